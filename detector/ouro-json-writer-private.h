/* ouro-json-writer-private.h — what the writers of Ouro's JSON documents
 * (reports, snapshots) share.
 *
 * MT safe.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Appends @text as a JSON string (RFC 8259 escapes; bytes that are not
 * UTF-8 become U+FFFD), or null when it is NULL. */
void ouro_json_append_string (GString    *out,
                              const char *text);

G_END_DECLS
