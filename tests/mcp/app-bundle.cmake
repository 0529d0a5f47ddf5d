# Rebuilds the MCP App page from src/mcp/app/ with the locked npm packages and
# fails when it differs from the committed src/mcp/app/corral-app.html: a
# change to view.js or style.css, or an upgrade in package-lock.json, must be
# committed with the page it produces (node src/mcp/app/build.mjs).
execute_process(COMMAND ${NODE} ${SRC}/src/mcp/app/build.mjs ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "build.mjs failed (${rc})")
endif()
file(READ ${OUT} fresh)
file(READ ${SRC}/src/mcp/app/corral-app.html committed)
if(NOT fresh STREQUAL committed)
  message(FATAL_ERROR "src/mcp/app/corral-app.html is stale: run node src/mcp/app/build.mjs and commit it")
endif()
message(STATUS "corral-app.html matches its sources")
