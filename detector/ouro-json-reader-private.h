/* ouro-json-reader-private.h — a small strict JSON parser (RFC 8259) into
 * a read-only tree, for reading reports back.
 *
 * ouro_json_parse () is a pure function of its input: no global state, so
 * parses may run on any threads at once; a parsed document is immutable
 * and may be read from several threads.  It never crashes, loops or
 * recurses on any input (it is a fuzzing target): nesting is bounded by
 * OURO_JSON_MAX_DEPTH and input by OURO_JSON_MAX_INPUT, both errors.
 *
 * What it accepts is RFC 8259 exactly: one value with optional white space
 * around it; strings valid UTF-8 without raw control characters, escapes
 * including \uXXXX surrogate pairs (a lone surrogate is an error);
 * numbers in JSON's grammar, finite as doubles.  An object with a key
 * twice is an error.  Error messages start "line L, column C: " (both
 * from 1, columns in bytes).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define OURO_JSON_MAX_DEPTH 64
#define OURO_JSON_MAX_INPUT (256 * 1024 * 1024)

#define OURO_JSON_ERROR (ouro_json_error_quark ())

typedef enum {
  OURO_JSON_ERROR_SYNTAX,     /* not JSON */
  OURO_JSON_ERROR_LIMIT,      /* JSON beyond the depth or size limits */
} OuroJsonError;

typedef enum {
  OURO_JSON_NULL,
  OURO_JSON_BOOLEAN,
  OURO_JSON_INTEGER,   /* a number without fraction or exponent that fits gint64 */
  OURO_JSON_DOUBLE,    /* any other number */
  OURO_JSON_STRING,
  OURO_JSON_ARRAY,
  OURO_JSON_OBJECT,
} OuroJsonType;

typedef struct _OuroJson      OuroJson;       /* a parsed document: owns every value */
typedef struct _OuroJsonValue OuroJsonValue;  /* valid while its document lives */

GQuark               ouro_json_error_quark     (void);

/* Returns: the document @data holds (@length bytes, no terminator
 * needed), or NULL with @error set (OURO_JSON_ERROR). */
OuroJson            *ouro_json_parse           (const char          *data,
                                                gsize                length,
                                                GError             **error);
void                 ouro_json_free            (OuroJson            *json);
const OuroJsonValue *ouro_json_get_root        (const OuroJson      *json);

OuroJsonType         ouro_json_value_get_type  (const OuroJsonValue *value);
/* Where the value starts in the input, from 1. */
guint                ouro_json_value_get_line  (const OuroJsonValue *value);
guint                ouro_json_value_get_column(const OuroJsonValue *value);
/* "null", "a boolean", "an integer", "a number", ... for messages. */
const char          *ouro_json_type_describe   (OuroJsonType         type);

/* The accessors below require a value of their type (g_return_val_if_fail). */
gboolean             ouro_json_value_get_boolean (const OuroJsonValue *value);
gint64               ouro_json_value_get_integer (const OuroJsonValue *value);
/* Integers too, converted. */
double               ouro_json_value_get_double  (const OuroJsonValue *value);
/* NUL-terminated, valid UTF-8; may hold NULs (\u0000) before @out_length. */
const char          *ouro_json_value_get_string  (const OuroJsonValue *value,
                                                  gsize               *out_length);

gsize                ouro_json_array_get_length  (const OuroJsonValue *array);
const OuroJsonValue *ouro_json_array_get         (const OuroJsonValue *array,
                                                  gsize                index);

/* Members in input order. */
gsize                ouro_json_object_get_size   (const OuroJsonValue *object);
const char          *ouro_json_object_get_key    (const OuroJsonValue *object,
                                                  gsize                index,
                                                  gsize               *out_length);
const OuroJsonValue *ouro_json_object_get_value  (const OuroJsonValue *object,
                                                  gsize                index);
/* The member named @key (NUL-terminated), or NULL; O(log size). */
const OuroJsonValue *ouro_json_object_lookup     (const OuroJsonValue *object,
                                                  const char          *key);

G_END_DECLS
