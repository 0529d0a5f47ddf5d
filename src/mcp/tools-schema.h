/* tools-schema.h - a small JSON Schema validator for the tool catalog's
 * arguments (`corral serve --tools FILE`).
 *
 * The subset (docs/mcp.md): type (a name or an array of names: object, array,
 * string, number, integer, boolean, null), properties, required,
 * additionalProperties (true, false or a schema), enum, minimum, maximum,
 * minLength, maxLength (in characters), items (one schema); title,
 * description, default, examples and $schema are accepted and ignored.  Any
 * other keyword is refused when the catalog is loaded (schema_check), so a
 * constraint the author wrote is never silently skipped.
 */
#pragma once

#include <stddef.h>

struct cJSON;

/* Checks that schema uses only the subset, well-formed.  0, or -EINVAL with a
 * sentence naming the place ("properties.size: unsupported keyword 'pattern'"). */
int schema_check(const struct cJSON *schema, char *err, size_t errlen);

/* Validates value against schema (already checked).  0, or -EINVAL with a
 * sentence naming the member ("arguments.size: must be at most 10"). */
int schema_validate(const struct cJSON *schema, const struct cJSON *value, char *err,
                    size_t errlen);
