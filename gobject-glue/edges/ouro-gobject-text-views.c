/* ouro-gobject-text-views.c — what a GtkTextView holds: its buffer and its
 * text layout, and what the layout holds: the same buffer.  Without these
 * a buffer shown in a view has two references nothing explains, so it is
 * always held from outside, and so is every object its handlers hold (a
 * page that owns the buffer and counts its words on "changed").
 *
 * Called from traverse functions only, so under the registry lock: scans
 * are serialised, and the per-type cache below needs no lock of its own.
 * GTK is single-threaded: scan GTK programs from the main thread.
 *
 * GTK has no getter that would not create a buffer for a view without one
 * (gtk_text_view_get_buffer () calls the class's create_buffer, which a
 * program may override), and none at all for the layout.  So they are read
 * from GTK 4.8's structs, as Debian 12 ships them, and only when the
 * running GTK is 4.8 and its types have the sizes that layout implies:
 *  - GtkTextView is GtkWidget and one pointer, `priv`, which must point
 *    at the view's own private area; GtkTextViewPrivate starts with
 *    `GtkTextLayout *layout; GtkTextBuffer *buffer;`, each a reference
 *    (gtk_text_view_ensure_layout (), gtk_text_view_set_buffer ());
 *  - GtkTextLayout is GObject, five ints, then `GtkTextBuffer *buffer`, a
 *    reference (gtk_text_layout_set_buffer ()).
 * A pointer is visited only when it is a tracked GObject of the expected
 * type; anything else, or another GTK, gives no edge: this can hide a
 * reference, never invent one.
 */
#include "config.h"

#include <dlfcn.h>

#include "ouro-gobject-private.h"

typedef guint (*GtkVersionFunc) (void);

enum {
  TEXT_KIND_NONE,
  TEXT_KIND_VIEW,
  TEXT_KIND_LAYOUT,
};

static struct {
  gboolean checked;      /* GTK's version and sizes were read */
  gboolean known;        /* they are GTK 4.8's */
  GType    view;
  GType    layout;
  GType    buffer;
  gsize    widget_size;  /* GtkWidget's instance size: where a view's priv is */
} text;

/* Offset of GtkTextLayout's buffer: after GObject and five ints. */
#define TEXT_LAYOUT_BUFFER_OFFSET \
  ((sizeof (GObject) + 5 * sizeof (int) + sizeof (gpointer) - 1) / sizeof (gpointer) * sizeof (gpointer))

static OuroGObjectTypeCacheEntry text_cache[OURO_GOBJECT_TYPE_CACHE_SIZE];

static gsize
text_instance_size (GType type)
{
  GTypeQuery query;

  g_type_query (type, &query);
  return query.type != 0 ? query.instance_size : 0;
}

/* After it: text.known says whether the running GTK lays a view out as
 * this file reads it.  Tried again until GTK's widget types exist (an
 * instance of GtkTextView means they do). */
static void
text_check (void)
{
  GtkVersionFunc major = (GtkVersionFunc) dlsym (RTLD_DEFAULT, "gtk_get_major_version");
  GtkVersionFunc minor = (GtkVersionFunc) dlsym (RTLD_DEFAULT, "gtk_get_minor_version");
  GType widget;

  if (major == NULL || minor == NULL)
    return;
  widget = g_type_from_name ("GtkWidget");
  text.view = g_type_from_name ("GtkTextView");
  if (widget == 0 || text.view == 0)
    return;
  text.checked = TRUE;
  text.widget_size = text_instance_size (widget);
  text.known = major () == 4 && minor () == 8
               && text_instance_size (text.view) == text.widget_size + sizeof (gpointer);
}

static guint32
text_classify (GType type)
{
  if (!text.checked)
    text_check ();
  if (!text.known)
    return TEXT_KIND_NONE;
  /* GTK registers these when it first makes one: an instance of either
   * means it did. */
  if (text.layout == 0)
    text.layout = g_type_from_name ("GtkTextLayout");
  if (text.buffer == 0)
    text.buffer = g_type_from_name ("GtkTextBuffer");
  if (g_type_is_a (type, text.view))
    return TEXT_KIND_VIEW;
  if (text.layout != 0 && g_type_is_a (type, text.layout)
      && text_instance_size (text.layout) >= TEXT_LAYOUT_BUFFER_OFFSET + sizeof (gpointer))
    return TEXT_KIND_LAYOUT;
  return TEXT_KIND_NONE;
}

static gpointer
text_read_pointer (gconstpointer base,
                   gsize         offset)
{
  return *(gpointer const *) (gconstpointer) ((const char *) base + offset);
}

/* Visits @target when it is a tracked GObject of @type. */
static void
text_visit_typed (OuroVisitFunc visit,
                  gpointer      target,
                  GType         type,
                  const char   *label,
                  gpointer      user_data)
{
  if (target == NULL || type == 0 || ouro_get_class (target) != ouro_gobject_class ()
      || !g_type_is_a (G_OBJECT_TYPE (target), type))
    return;
  ouro_gobject_visit (visit, target, label, user_data);
}

void
ouro_gobject_visit_text_views (GObject      *object,
                               OuroVisitFunc visit,
                               gpointer      user_data)
{
  gpointer priv;

  switch (ouro_gobject_type_cache_get (text_cache, G_OBJECT_TYPE (object), text_classify))
    {
    case TEXT_KIND_VIEW:
      priv = text_read_pointer (object, text.widget_size);
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      if (priv == NULL || priv != g_type_instance_get_private ((GTypeInstance *) object, text.view))
        return;
      G_GNUC_END_IGNORE_DEPRECATIONS
      text_visit_typed (visit, text_read_pointer (priv, 0), text.layout, "text layout", user_data);
      text_visit_typed (visit, text_read_pointer (priv, sizeof (gpointer)), text.buffer,
                        "text buffer", user_data);
      break;

    case TEXT_KIND_LAYOUT:
      text_visit_typed (visit, text_read_pointer (object, TEXT_LAYOUT_BUFFER_OFFSET), text.buffer,
                        "text buffer", user_data);
      break;

    default:
      break;
    }
}
