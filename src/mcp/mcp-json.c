/* mcp-json.c - input checks cJSON lacks (UTF-8, depth, duplicate keys) and the
 * raw request id scanner that keeps ids of any size exact.  See mcp-json.h. */
#include "mcp-json.h"
#include "utf8.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int mcp_json_precheck(const char *text, size_t len, int max_depth)
{
        const unsigned char *s = (const unsigned char *)text;
        bool in_string = false;
        int depth = 0;
        for (size_t i = 0; i < len;) {
                unsigned char c = s[i];
                if (c >= 0x80) {
                        size_t k = utf8_seq_len(s + i, len - i);
                        if (k == 0)
                                return -EILSEQ;
                        i += k;
                        continue;
                }
                if (in_string) {
                        if (c < 0x20)
                                return -EILSEQ;
                        if (c == '\\')
                                i++; /* the escaped character is never a quote that ends */
                        else if (c == '"')
                                in_string = false;
                } else if (c == '"') {
                        in_string = true;
                } else if (c == '{' || c == '[') {
                        if (++depth > max_depth)
                                return -ELOOP;
                } else if (c == '}' || c == ']') {
                        depth--;
                } else if (c == 0) {
                        return -EILSEQ;
                }
                i++;
        }
        return 0;
}

static size_t skip_ws(const char *s, size_t i, size_t n)
{
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
                i++;
        return i;
}

/* End (one past the closing quote) of the string starting at s[i] == '"'. */
static size_t skip_string(const char *s, size_t i, size_t n)
{
        for (i++; i < n; i++) {
                if (s[i] == '\\')
                        i++;
                else if (s[i] == '"')
                        return i + 1;
        }
        return 0;
}

/* End of any value starting at s[i]; 0 if it runs past n. */
static size_t skip_value(const char *s, size_t i, size_t n)
{
        if (i >= n)
                return 0;
        if (s[i] == '"')
                return skip_string(s, i, n);
        if (s[i] == '{' || s[i] == '[') {
                int depth = 0;
                for (; i < n; i++) {
                        if (s[i] == '"') {
                                i = skip_string(s, i, n);
                                if (i == 0)
                                        return 0;
                                i--;
                        } else if (s[i] == '{' || s[i] == '[') {
                                depth++;
                        } else if ((s[i] == '}' || s[i] == ']') && --depth == 0) {
                                return i + 1;
                        }
                }
                return 0;
        }
        while (i < n && !strchr(",}] \t\r\n", s[i]))
                i++;
        return i < n ? i : 0; /* a number cut by the end of a prefix is not whole */
}

static bool key_is_id(const char *s, size_t start, size_t end)
{
        if (end - start == 4 && memcmp(s + start, "\"id\"", 4) == 0)
                return true;
        if (!memchr(s + start, '\\', end - start))
                return false;
        /* An escaped spelling such as "\u0069d": let cJSON decode it. */
        cJSON *k = cJSON_ParseWithLength(s + start, end - start);
        bool is = cJSON_IsString(k) && strcmp(k->valuestring, "id") == 0;
        cJSON_Delete(k);
        return is;
}

int mcp_json_find_raw_id(const char *text, size_t len, char **ret)
{
        size_t i = skip_ws(text, 0, len);
        if (i >= len || text[i] != '{')
                return -ENOENT;
        i++;
        for (;;) {
                i = skip_ws(text, i, len);
                if (i >= len || text[i] != '"')
                        return -ENOENT;
                size_t kend = skip_string(text, i, len);
                if (kend == 0)
                        return -ENOENT;
                bool is_id = key_is_id(text, i, kend);
                i = skip_ws(text, kend, len);
                if (i >= len || text[i] != ':')
                        return -ENOENT;
                i = skip_ws(text, i + 1, len);
                size_t vend = skip_value(text, i, len);
                if (vend == 0)
                        return -ENOENT;
                if (is_id) {
                        char c = text[i];
                        if (c != '"' && c != '-' && (c < '0' || c > '9'))
                                return -ENOENT;
                        char *id = strndup(text + i, vend - i);
                        if (!id)
                                return -ENOMEM;
                        *ret = id;
                        return 0;
                }
                i = skip_ws(text, vend, len);
                if (i >= len || text[i] != ',')
                        return -ENOENT;
                i++;
        }
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int mcp_json_check_duplicates(const cJSON *item)
{
        if (!item || !(cJSON_IsObject(item) || cJSON_IsArray(item)))
                return 0;
        size_t n = 0;
        for (const cJSON *c = item->child; c; c = c->next) {
                int r = mcp_json_check_duplicates(c);
                if (r < 0)
                        return r;
                n++;
        }
        if (!cJSON_IsObject(item) || n < 2)
                return 0;
        const char **names = malloc(n * sizeof(*names));
        if (!names)
                return -ENOMEM;
        size_t k = 0;
        for (const cJSON *c = item->child; c; c = c->next)
                names[k++] = c->string ? c->string : "";
        qsort(names, n, sizeof(*names), cmp_names);
        int r = 0;
        for (size_t i = 1; i < n && r == 0; i++)
                if (strcmp(names[i - 1], names[i]) == 0)
                        r = -EEXIST;
        free(names);
        return r;
}

cJSON *mcp_json_parse_text(const char *text)
{
        return text ? cJSON_Parse(text) : NULL;
}
