/* ouro-json-loader.c — typed access to the members of an Ouro JSON
 * document (a report, a snapshot), failing with a GError that says where
 * and what: see ouro-json-loader-private.h.
 *
 * Not thread safe by itself: one loader per document read.
 */
#include "config.h"

#include <string.h>

#include "ouro-json-loader-private.h"

/* Sets the loader's error, naming @at's position and the path (with @key
 * appended when not NULL), and returns FALSE. */
gboolean
ouro_json_loader_fail (OuroJsonLoader      *loader,
                       const OuroJsonValue *at,
                       const char          *key,
                       gint                 code,
                       const char          *format,
                       ...)
{
  va_list args;
  char *message;
  gsize saved = loader->path->len;

  if (key != NULL)
    g_string_append_printf (loader->path, "%s%s", saved > 0 ? "." : "", key);
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (loader->error, loader->domain, code, "line %u, column %u: %s%s%s",
               ouro_json_value_get_line (at), ouro_json_value_get_column (at),
               loader->path->str, loader->path->len > 0 ? ": " : "", message);
  g_free (message);
  g_string_truncate (loader->path, saved);
  return FALSE;
}

/* Path helpers: each returns the length to truncate back to. */
gsize
ouro_json_loader_enter_key (OuroJsonLoader *loader,
                            const char     *key)
{
  gsize saved = loader->path->len;

  g_string_append_printf (loader->path, "%s%s", saved > 0 ? "." : "", key);
  return saved;
}

gsize
ouro_json_loader_enter_index (OuroJsonLoader *loader,
                              gsize           index)
{
  gsize saved = loader->path->len;

  g_string_append_printf (loader->path, "[%" G_GSIZE_FORMAT "]", index);
  return saved;
}

void
ouro_json_loader_leave (OuroJsonLoader *loader,
                        gsize           saved)
{
  g_string_truncate (loader->path, saved);
}

/* After it (when TRUE): *out is member @key of @object, of type @type (or
 * null, when @nullable), or NULL when absent and not @required. */
gboolean
ouro_json_loader_member (OuroJsonLoader       *loader,
                         const OuroJsonValue  *object,
                         const char           *key,
                         OuroJsonType          type,
                         gboolean              required,
                         gboolean              nullable,
                         const OuroJsonValue **out)
{
  const OuroJsonValue *value = ouro_json_object_lookup (object, key);
  OuroJsonType found;

  *out = NULL;
  if (value == NULL)
    {
      if (!required)
        return TRUE;
      return ouro_json_loader_fail (loader, object, NULL, loader->invalid,
                        "required key \"%s\" is missing", key);
    }
  found = ouro_json_value_get_type (value);
  if (found == OURO_JSON_NULL && nullable)
    return TRUE;
  if (found != type)
    return ouro_json_loader_fail (loader, value, key, loader->invalid, "expected %s%s, found %s",
                      ouro_json_type_describe (type), nullable ? " or null" : "",
                      ouro_json_type_describe (found));
  *out = value;
  return TRUE;
}

/* After it (when TRUE): *out is member @key, an integer in [0, @max]. */
gboolean
ouro_json_loader_integer (OuroJsonLoader      *loader,
                          const OuroJsonValue *object,
                          const char          *key,
                          guint64              max,
                          guint64             *out)
{
  const OuroJsonValue *value;
  gint64 integer;

  if (!ouro_json_loader_member (loader, object, key, OURO_JSON_INTEGER, TRUE, FALSE, &value))
    return FALSE;
  integer = ouro_json_value_get_integer (value);
  if (integer < 0 || (guint64) integer > max)
    return ouro_json_loader_fail (loader, value, key, loader->invalid,
                      "%" G_GINT64_FORMAT " is out of range (0 to %" G_GUINT64_FORMAT ")",
                      integer, max);
  *out = (guint64) integer;
  return TRUE;
}

gboolean
ouro_json_loader_uint (OuroJsonLoader      *loader,
                       const OuroJsonValue *object,
                       const char          *key,
                       guint               *out)
{
  guint64 value = 0;

  if (!ouro_json_loader_integer (loader, object, key, G_MAXUINT, &value))
    return FALSE;
  *out = (guint) value;
  return TRUE;
}

gboolean
ouro_json_loader_boolean (OuroJsonLoader      *loader,
                          const OuroJsonValue *object,
                          const char          *key,
                          gboolean            *out)
{
  const OuroJsonValue *value;

  if (!ouro_json_loader_member (loader, object, key, OURO_JSON_BOOLEAN, TRUE, FALSE, &value))
    return FALSE;
  *out = ouro_json_value_get_boolean (value);
  return TRUE;
}

/* After it (when TRUE): *out is the text of string @value, which holds no
 * NUL (@key names it in errors). */
gboolean
ouro_json_loader_string_value (OuroJsonLoader       *loader,
                               const OuroJsonValue  *value,
                               const char           *key,
                               const char          **out)
{
  gsize length;
  const char *text = ouro_json_value_get_string (value, &length);

  if (strlen (text) != length)
    return ouro_json_loader_fail (loader, value, key, loader->invalid,
                      "a string with a NUL character (\\u0000) in it");
  *out = text;
  return TRUE;
}

/* After it (when TRUE): *out is member @key, a string (or NULL for null
 * when @nullable). */
gboolean
ouro_json_loader_string (OuroJsonLoader       *loader,
                         const OuroJsonValue  *object,
                         const char           *key,
                         gboolean              nullable,
                         const char          **out)
{
  const OuroJsonValue *value;

  *out = NULL;
  if (!ouro_json_loader_member (loader, object, key, OURO_JSON_STRING, TRUE, nullable, &value))
    return FALSE;
  if (value == NULL)
    return TRUE;
  return ouro_json_loader_string_value (loader, value, key, out);
}

gboolean
ouro_json_loader_run (OuroJsonLoader   *loader,
                      const char       *json,
                      gssize            length,
                      gint              syntax_code,
                      OuroJsonLoadFunc  load,
                      GError          **error)
{
  GError *parse_error = NULL;
  OuroJson *document;
  gboolean ok;

  document = ouro_json_parse (json, length < 0 ? strlen (json) : (gsize) length, &parse_error);
  if (document == NULL)
    {
      g_set_error_literal (error, loader->domain, syntax_code, parse_error->message);
      g_error_free (parse_error);
      return FALSE;
    }
  loader->path = g_string_new (NULL);
  loader->error = error;
  ok = load (loader, ouro_json_get_root (document));
  g_string_free (loader->path, TRUE);
  loader->path = NULL;
  ouro_json_free (document);
  return ok;
}

gboolean
ouro_json_loader_each (OuroJsonLoader      *loader,
                       const OuroJsonValue *array,
                       const char          *key,
                       OuroJsonType         type,
                       OuroJsonElementFunc  func,
                       gpointer             data)
{
  gsize n = ouro_json_array_get_length (array);

  for (gsize i = 0; i < n; i++)
    {
      const OuroJsonValue *element = ouro_json_array_get (array, i);
      gsize saved = ouro_json_loader_enter_key (loader, key);
      gboolean ok;

      ouro_json_loader_enter_index (loader, i);
      if (ouro_json_value_get_type (element) != type)
        ok = ouro_json_loader_fail (loader, element, NULL, loader->invalid,
                                    "expected %s, found %s", ouro_json_type_describe (type),
                                    ouro_json_type_describe (ouro_json_value_get_type (element)));
      else
        ok = func (loader, element, i, data);
      ouro_json_loader_leave (loader, saved);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}
