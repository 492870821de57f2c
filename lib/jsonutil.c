#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "strlcpy.h"

#ifndef JSON_C_TO_STRING_NOSLASHESCAPE
#define JSON_C_TO_STRING_NOSLASHESCAPE	0
#endif

static size_t
parse_end(struct json_tokener *tok)
{
#if defined(JSON_C_VERSION_NUM) && JSON_C_VERSION_NUM >= ((0 << 16) | (15 << 8))
	return json_tokener_get_parse_end(tok);
#else
	return (size_t)tok->char_offset;
#endif
}

/*
 * One tokener, reset for each text: a daemon parses every request, and a
 * fresh tokener is two allocations and a 32-deep stack each time.  (The
 * daemons and the CLI are single-threaded.)
 */
static struct json_tokener *
parser(void)
{
	static struct json_tokener *tok;

	if (tok == NULL) {
		if ((tok = json_tokener_new()) == NULL)
			return NULL;
		/* JSON, not json-c's lenient superset: no ', no comments.
		 * UTF-8 is checked before (text_ok()). */
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	}
	json_tokener_reset(tok);
	return tok;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629, Unicode's
 * table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF), or
 * 0.  json-c checks less (0.15 on) or nothing (before), and a daemon must
 * not store and hand back text that no client can decode.  The bytes are
 * read in order and a NUL fails as a continuation byte, so nothing past
 * a C string's end is read.
 */
static size_t
seq_len(const unsigned char *s, size_t left)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, k;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 1;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 2;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80;
		hi = s[0] == 0xed ? 0x9f : 0xbf;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 3;
		lo = s[0] == 0xf0 ? 0x90 : 0x80;
		hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	} else
		return 0;
	if (n >= left || s[1] < lo || s[1] > hi)
		return 0;
	for (k = 2; k <= n; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	return n + 1;
}

size_t
utf8_seq(const char *s, size_t left)
{
	return seq_len((const unsigned char *)s, left);
}

size_t
utf8_cut(const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t at = 0, n;

	while (u[at] != '\0' && (n = seq_len(u + at, SIZE_MAX)) != 0 &&
	    n <= max - at)
		at += n;
	return at;
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Whether the '0' at s[i], outside strings, begins the integer part of a
 * number, where JSON allows no leading zero.  Not after a digit or '.'
 * (inside a number), nor after 'e', 'E', '+', or a '-' that follows 'e'
 * or 'E': an exponent, whose digits may have leading zeros ("1e-05").
 * Before a '0', valid JSON has no other letter than an exponent's 'e'.
 */
static int
starts_int(const unsigned char *s, size_t i)
{
	unsigned char p;

	if (i == 0)
		return 1;
	p = s[i - 1];
	if (p == '-')
		return i == 1 || (s[i - 2] != 'e' && s[i - 2] != 'E');
	return !is_digit(p) && p != '.' && p != 'e' && p != 'E' && p != '+';
}

/*
 * What json-c cannot be trusted with: text that is not UTF-8, what RFC
 * 8259 forbids but json-c takes, and a member name holding \u0000.
 * json-c (0.11 to 0.16 at least) reads raw control characters inside
 * strings, and numbers with leading zeros ("01", "-007"), which JSON has
 * not: another parser would refuse the very text we accepted.  json-c
 * keeps names as C strings, so a name holding \u0000 would reach us cut
 * short, as another member's ("vendor\u0000x" read as "vendor").  A
 * string is a name when a ':' follows it across JSON white space.  That
 * holds only if nothing else may stand between: older json-c also skips
 * \v and \f, comments, and reads 'names', so the bytes JSON never has
 * outside strings (', /, control characters but its white space) are
 * refused here, whatever json-c would do.  One pass, every rule in it
 * (migcheck's hot path parses each request); json-c then judges the rest
 * of the syntax.
 */
static int
text_ok(const char *buf, size_t len, char *err, size_t errlen)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0, j, n;
	int in = 0, nul = 0;

	while (i < len) {
		if ((n = seq_len(s + i, len - i)) == 0) {
			snprintf(err, errlen, "invalid UTF-8 at byte %zu", i);
			return -1;
		}
		if (!in) {
			if (s[i] == '\'' || s[i] == '/' ||
			    (s[i] < 0x20 && !is_space(buf[i]))) {
				snprintf(err, errlen, "not JSON: byte %zu "
				    "(0x%02x) outside a string", i, s[i]);
				return -1;
			}
			if (s[i] == '0' && i + 1 < len && is_digit(s[i + 1]) &&
			    starts_int(s, i)) {
				snprintf(err, errlen, "not JSON: a number with "
				    "a leading zero at byte %zu", i);
				return -1;
			}
			in = s[i] == '"';
			nul = 0;
		} else if (s[i] < 0x20) {
			snprintf(err, errlen, "not JSON: control character "
			    "0x%02x in a string at byte %zu", s[i], i);
			return -1;
		} else if (s[i] == '\\' && i + 1 < len) {
			if (i + 5 < len && memcmp(s + i + 1, "u0000", 5) == 0)
				nul = 1;
			n = 2;		/* the escaped character too */
		} else if (s[i] == '"') {
			in = 0;
			for (j = i + 1; nul && j < len && is_space(buf[j]); j++)
				;
			if (nul && j < len && buf[j] == ':') {
				snprintf(err, errlen, "a member name holds "
				    "\\u0000");
				return -1;
			}
		}
		i += n;
	}
	return 0;
}

static int
parse(const char *buf, size_t len, int check, struct json_object **out,
    char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	*out = NULL;
	if (len > INT_MAX) {
		snprintf(err, errlen, "JSON text too large");
		return -1;
	}
	if (check && text_ok(buf, len, err, errlen) == -1)
		return -1;
	if ((tok = parser()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = parse_end(tok);
	if (obj == NULL && jerr == json_tokener_continue) {
		/* A number or literal ends only at a delimiter: tell the
		 * tokener the text ends here by feeding it a NUL. */
		obj = json_tokener_parse_ex(tok, "", 1);
		if (json_tokener_get_error(tok) == json_tokener_success) {
			jerr = json_tokener_success;
			end = len;
		}
	}
	/* json-c's null is the NULL object, with no error. */
	if (obj == NULL && jerr != json_tokener_success) {
		strlcpy(err, jerr == json_tokener_continue ?
		    "truncated JSON" : json_tokener_error_desc(jerr), errlen);
		return -1;
	}
	for (; end < len && is_space(buf[end]); end++)
		;
	if (end != len) {
		snprintf(err, errlen, "unexpected data after the JSON value");
		json_object_put(obj);
		return -1;
	}
	*out = obj;
	return 0;
}

int
json_parse_value(const char *buf, size_t len, struct json_object **out,
    char *err, size_t errlen)
{
	return parse(buf, len, 1, out, err, errlen);
}

static struct json_object *
parse_one(const char *buf, size_t len, int check, char *err, size_t errlen)
{
	struct json_object *obj;

	if (parse(buf, len, check, &obj, err, errlen) == -1)
		return NULL;
	if (obj == NULL)
		snprintf(err, errlen, "null where a value is needed");
	return obj;
}

struct json_object *
json_parse_one(const char *buf, size_t len, char *err, size_t errlen)
{
	return parse_one(buf, len, 1, err, errlen);
}

struct json_object *
json_parse_stored(const char *buf, size_t len, char *err, size_t errlen)
{
	return parse_one(buf, len, 0, err, errlen);
}

const char *
json_clean_string(struct json_object *v)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

const char *
json_compact(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

const char *
json_pretty(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
}
