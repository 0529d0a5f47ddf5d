/* fuzz_tools_schema: the tool catalog's JSON Schema subset.  The input is a
 * JSON object {"schema": ..., "value": ...}: schema_check() on the schema,
 * and, when it passes, schema_validate() of the value.  Both must return 0
 * or -EINVAL with a message, never crash or recurse without bound. */
#include "tools-schema.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
        if (!doc)
                return 0;
        const cJSON *schema = cJSON_GetObjectItemCaseSensitive(doc, "schema");
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(doc, "value");
        char err[512];
        if (schema && value && schema_check(schema, err, sizeof(err)) == 0) {
                int r = schema_validate(schema, value, err, sizeof(err));
                if (r != 0 && r != -EINVAL)
                        abort();
        }
        cJSON_Delete(doc);
        return 0;
}
