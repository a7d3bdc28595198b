/* list-store-owner.c — corpus program: list items that hold the list's
 * owner.
 *
 * A Playlist (a GObject with a private struct) keeps its tracks in a
 * GListStore; each PlaylistTrack knows its playlist, to ask it for the
 * next track.  Usage: corpus-list-store-owner leaky|clean.  Both fill a
 * playlist, walk it, drop it and exit 0.
 *   leaky  a track keeps its playlist in a plain field with
 *          g_object_ref (): the playlist holds the store (a private
 *          field), the store its tracks, each track the playlist, and the
 *          dispose that would drop the store never runs
 *   clean  a track keeps its playlist in a GWeakRef
 */
#include <gio/gio.h>

#include "corpus.h"

#define PLAYLIST_TYPE_PLAYLIST (playlist_get_type ())
G_DECLARE_DERIVABLE_TYPE (Playlist, playlist, PLAYLIST, PLAYLIST, GObject)

struct _PlaylistClass
{
  GObjectClass parent_class;
};

#define PLAYLIST_TYPE_TRACK (playlist_track_get_type ())
G_DECLARE_FINAL_TYPE (PlaylistTrack, playlist_track, PLAYLIST, TRACK, GObject)

static gboolean leaky;

/* ---- a track ----------------------------------------------------------- */

struct _PlaylistTrack
{
  GObject   parent_instance;
  char     *title;
  guint     seconds;
  Playlist *playlist;      /* leaky: a reference */
  GWeakRef  playlist_ref;  /* clean */
};

G_DEFINE_FINAL_TYPE (PlaylistTrack, playlist_track, G_TYPE_OBJECT)

static void
playlist_track_finalize (GObject *object)
{
  PlaylistTrack *self = PLAYLIST_TRACK (object);

  g_clear_object (&self->playlist);
  g_weak_ref_clear (&self->playlist_ref);
  g_free (self->title);
  G_OBJECT_CLASS (playlist_track_parent_class)->finalize (object);
}

static void
playlist_track_class_init (PlaylistTrackClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = playlist_track_finalize;
}

static void
playlist_track_init (PlaylistTrack *self)
{
  g_weak_ref_init (&self->playlist_ref, NULL);
}

static PlaylistTrack *
playlist_track_new (Playlist   *playlist,
                    const char *title,
                    guint       seconds)
{
  PlaylistTrack *self = g_object_new (PLAYLIST_TYPE_TRACK, NULL);

  self->title = g_strdup (title);
  self->seconds = seconds;
  if (leaky)
    self->playlist = g_object_ref (playlist);
  else
    g_weak_ref_set (&self->playlist_ref, playlist);
  return self;
}

/* ---- the playlist ------------------------------------------------------ */

typedef struct
{
  GListStore *tracks;   /* of PlaylistTrack */
  char       *name;
} PlaylistPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (Playlist, playlist, G_TYPE_OBJECT)

static void
playlist_dispose (GObject *object)
{
  PlaylistPrivate *priv = playlist_get_instance_private (PLAYLIST_PLAYLIST (object));

  g_clear_object (&priv->tracks);
  G_OBJECT_CLASS (playlist_parent_class)->dispose (object);
}

static void
playlist_finalize (GObject *object)
{
  PlaylistPrivate *priv = playlist_get_instance_private (PLAYLIST_PLAYLIST (object));

  g_free (priv->name);
  G_OBJECT_CLASS (playlist_parent_class)->finalize (object);
}

static void
playlist_class_init (PlaylistClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = playlist_dispose;
  G_OBJECT_CLASS (klass)->finalize = playlist_finalize;
}

static void
playlist_init (Playlist *self)
{
  PlaylistPrivate *priv = playlist_get_instance_private (self);

  priv->tracks = g_list_store_new (PLAYLIST_TYPE_TRACK);
  priv->name = g_strdup ("Road trip");
}

static void
playlist_add (Playlist   *self,
              const char *title,
              guint       seconds)
{
  PlaylistPrivate *priv = playlist_get_instance_private (self);
  g_autoptr(PlaylistTrack) track = playlist_track_new (self, title, seconds);

  g_list_store_append (priv->tracks, track);
}

static guint
playlist_get_seconds (Playlist *self)
{
  PlaylistPrivate *priv = playlist_get_instance_private (self);
  guint seconds = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (priv->tracks)); i++)
    {
      g_autoptr(PlaylistTrack) track = g_list_model_get_item (G_LIST_MODEL (priv->tracks), i);

      seconds += track->seconds;
    }
  return seconds;
}

int
main (int    argc,
      char **argv)
{
  Playlist *playlist;

  leaky = corpus_parse_leaky (argc, argv);
  playlist = g_object_new (PLAYLIST_TYPE_PLAYLIST, NULL);
  playlist_add (playlist, "Intro", 95);
  playlist_add (playlist, "Highway", 241);
  playlist_add (playlist, "Coda", 130);
  if (playlist_get_seconds (playlist) != 95 + 241 + 130)
    return 1;
  g_object_unref (playlist);
  corpus_settle ();
  return 0;
}
