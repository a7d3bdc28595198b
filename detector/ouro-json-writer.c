/* ouro-json-writer.c — what the writers of Ouro's JSON documents
 * (reports, snapshots) share.
 *
 * MT safe: pure functions of their arguments.
 */
#include "config.h"

#include "ouro-json-writer-private.h"

void
ouro_json_append_string (GString    *out,
                         const char *text)
{
  char *valid;

  if (text == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  valid = g_utf8_make_valid (text, -1);
  g_string_append_c (out, '"');
  for (const char *p = valid; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
  g_free (valid);
}

