/* mcp-json.h - the checks cJSON does not do for us on untrusted protocol input.
 *
 * cJSON 1.7.15 accepts invalid UTF-8, raw control characters in strings and
 * duplicate keys (first wins), nests to 1000 levels, and keeps numbers as
 * doubles (request ids above 2^53 lose digits).  These helpers close each gap.
 */
#pragma once

#include <cjson/cJSON.h>
#include <stddef.h>

#define MCP_JSON_MAX_DEPTH 64

/* Before parsing: 0 if text is valid UTF-8 (no overlongs, surrogates or code
 * points above U+10FFFF), has no raw control character inside a string, and
 * nests at most max_depth arrays/objects; -EILSEQ or -ELOOP otherwise. */
int mcp_json_precheck(const char *text, size_t len, int max_depth);

/* Finds the member "id" of the top-level object in text (which may be a
 * truncated prefix) and returns the exact token text of its value, if it is a
 * string or a number. Returns 0 and *ret (malloc'd), -ENOENT, or -ENOMEM. */
int mcp_json_find_raw_id(const char *text, size_t len, char **ret);

/* -EEXIST if any object in the tree has two members of the same name, else 0. */
int mcp_json_check_duplicates(const cJSON *item);

/* Duplicates a JSON text into a cJSON tree; NULL on invalid text or no memory. */
cJSON *mcp_json_parse_text(const char *text);
