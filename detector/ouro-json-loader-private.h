/* ouro-json-loader-private.h — what the readers of Ouro's JSON documents
 * (reports, snapshots) share: a JSON path for messages, and typed member
 * access that fails with a GError naming the line, the column and the
 * path ("cycles[2].edges[0].to: expected integer, found string").
 *
 * Not thread safe by itself: one loader per document read.
 */
#pragma once

#include "ouro-json-reader-private.h"

G_BEGIN_DECLS

typedef struct {
  GString  *path;      /* of the value being read: "cycles[2].edges[0]" */
  GError  **error;
  GQuark    domain;    /* the reader's error domain */
  gint      invalid;   /* its code for a document of the wrong shape */
  gpointer  document;  /* what the reader fills in */
} OuroJsonLoader;

/* Reads a document: @load fills @loader->document from the root. */
typedef gboolean (*OuroJsonLoadFunc) (OuroJsonLoader      *loader,
                                      const OuroJsonValue *root);

/* Parses @json (@length bytes, or up to its NUL when -1) and runs @load on
 * its root, with @loader's path and error set up (@error; its domain,
 * invalid code and document are the caller's).  JSON that does not parse
 * is an error in that domain with @syntax_code.  Returns whether it parsed
 * and @load succeeded; the caller frees what @loader->document holds when
 * not. */
gboolean ouro_json_loader_run          (OuroJsonLoader      *loader,
                                        const char          *json,
                                        gssize               length,
                                        gint                 syntax_code,
                                        OuroJsonLoadFunc     load,
                                        GError             **error);

/* Reads element @index of an array, @element, into what @data points to. */
typedef gboolean (*OuroJsonElementFunc) (OuroJsonLoader      *loader,
                                         const OuroJsonValue *element,
                                         gsize                index,
                                         gpointer             data);

/* After it (when TRUE): @func has read every element of @array, member
 * @key of the value at the current path, each of type @type (another is
 * an error with the loader's invalid code); the path names the element
 * while @func runs. */
gboolean ouro_json_loader_each         (OuroJsonLoader      *loader,
                                        const OuroJsonValue *array,
                                        const char          *key,
                                        OuroJsonType         type,
                                        OuroJsonElementFunc  func,
                                        gpointer             data);

/* Sets the loader's error, in its domain with @code, naming @at's
 * position and the path (with @key appended when not NULL), and returns
 * FALSE. */
gboolean ouro_json_loader_fail         (OuroJsonLoader      *loader,
                                        const OuroJsonValue *at,
                                        const char          *key,
                                        gint                 code,
                                        const char          *format,
                                        ...) G_GNUC_PRINTF (5, 6);
/* Path helpers: each returns the length ouro_json_loader_leave () goes
 * back to. */
gsize    ouro_json_loader_enter_key    (OuroJsonLoader      *loader,
                                        const char          *key);
gsize    ouro_json_loader_enter_index  (OuroJsonLoader      *loader,
                                        gsize                index);
void     ouro_json_loader_leave        (OuroJsonLoader      *loader,
                                        gsize                saved);
/* After it (when TRUE): *out is member @key of @object, of type @type (or
 * NULL for null, when @nullable), or NULL when absent and not @required. */
gboolean ouro_json_loader_member       (OuroJsonLoader       *loader,
                                        const OuroJsonValue  *object,
                                        const char           *key,
                                        OuroJsonType          type,
                                        gboolean              required,
                                        gboolean              nullable,
                                        const OuroJsonValue **out);
/* After it (when TRUE): *out is member @key, an integer in [0, @max]. */
gboolean ouro_json_loader_integer      (OuroJsonLoader      *loader,
                                        const OuroJsonValue *object,
                                        const char          *key,
                                        guint64              max,
                                        guint64             *out);
gboolean ouro_json_loader_uint         (OuroJsonLoader      *loader,
                                        const OuroJsonValue *object,
                                        const char          *key,
                                        guint               *out);
gboolean ouro_json_loader_boolean      (OuroJsonLoader      *loader,
                                        const OuroJsonValue *object,
                                        const char          *key,
                                        gboolean            *out);
/* After it (when TRUE): *out is the text of string @value, which holds no
 * NUL (@key names it in errors). */
gboolean ouro_json_loader_string_value (OuroJsonLoader      *loader,
                                        const OuroJsonValue *value,
                                        const char          *key,
                                        const char         **out);
/* After it (when TRUE): *out is member @key, a string (or NULL for null
 * when @nullable). */
gboolean ouro_json_loader_string       (OuroJsonLoader      *loader,
                                        const OuroJsonValue *object,
                                        const char          *key,
                                        gboolean             nullable,
                                        const char         **out);

G_END_DECLS
