/* utf8.h - the one UTF-8 decoder: what the protocol accepts from clients
 * (mcp-json.c) and what job output is cleaned to (progress.c) must agree on
 * which bytes are UTF-8. */
#pragma once

#include <stddef.h>

/* Length (1 to 4) of the valid UTF-8 sequence at s, which has left > 0 bytes;
 * 0 if it is invalid or cut short: a bad lead or continuation byte, an
 * overlong form, a surrogate (U+D800..U+DFFF) or a value past U+10FFFF. */
size_t utf8_seq_len(const unsigned char *s, size_t left);
