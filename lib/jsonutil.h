/*
 * json-c helpers shared by the file probe, the codec and the CLI.  The
 * oldest json-c we ship to is 0.11 (XCP-ng 8.3 dom0), so newer API is used
 * only behind a version check.
 */
#ifndef CPULEVEL_JSONUTIL_H
#define CPULEVEL_JSONUTIL_H

#include <stddef.h>

#include <json.h>
/* json-c 0.11's json.h may not include it. */
#include <json_object_iterator.h>

/*
 * Parse exactly one JSON value from buf[0..len), which need not be
 * NUL-terminated; only white space may follow it.  Returns NULL with a
 * one-line reason in err.
 */
struct json_object *json_parse_one(const char *buf, size_t len, char *err,
	    size_t errlen);
/*
 * The same, for callers that must tell a JSON null from an error: 0 with
 * *out (NULL for null), or -1 with the reason in err.
 */
int		 json_parse_value(const char *buf, size_t len,
		    struct json_object **out, char *err, size_t errlen);
/*
 * json_parse_one for text this program stored itself, read back from its
 * database: without the UTF-8 and member-name check that a peer's text
 * gets, which an older build (json-c before 0.15) did not make, so that
 * what it stored still reads.
 */
struct json_object *json_parse_stored(const char *buf, size_t len,
		    char *err, size_t errlen);
/*
 * The text of a JSON string, or NULL if v is not a string or holds a NUL:
 * a C string would silently end there ("VM.start\u0000x" is not
 * "VM.start"), so such strings are refused wherever a peer's text is read.
 */
const char	*json_clean_string(struct json_object *v);

/*
 * UTF-8 as RFC 3629 has it (Unicode's table 3-7: no overlong forms, no
 * surrogates, nothing past U+10FFFF): the length of the well-formed
 * character at s, of at most left bytes, or 0.  A NUL ends any
 * sequence, so for a C string left may be SIZE_MAX.
 */
size_t		 utf8_seq(const char *s, size_t left);
/*
 * Where to cut the C string s to at most max bytes: the length of its
 * longest prefix made of whole, well-formed characters.  Every bounded
 * copy of text a peer may read goes through it ("%.*s" with
 * (int)utf8_cut(s, max), or buf[utf8_cut(buf, max)] = '\0' after
 * snprintf): a cut through a character, or a character that snprintf
 * cut short, would hand the peer text that no client can decode.  It
 * stops at the first ill-formed byte too, so what it keeps is UTF-8
 * even of a stored text that an older build let through.
 */
size_t		 utf8_cut(const char *s, size_t max);

/* Compact, with '/' left alone where the json-c version allows. */
const char	*json_compact(struct json_object *obj);
const char	*json_pretty(struct json_object *obj);

#endif
