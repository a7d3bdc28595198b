/* priv-pointer-action.c — corpus program: a cycle through a private
 * struct reached by a classic priv pointer, closed by a signal handler.
 *
 * MusicPlayer is written the way code from before G_DECLARE_* still is:
 * its instance struct has a `priv` pointer, set in init from
 * music_player_get_instance_private () (G_ADD_PRIVATE).  The private
 * struct keeps the player's "play-pause" GSimpleAction, a plain field,
 * and the player toggles playback on the action's "activate".  Usage:
 * corpus-priv-pointer-action leaky|clean.  Both make a player, activate
 * "play-pause" twice, drop the player and exit 0.
 *   leaky  the "activate" handler's data is g_object_ref (self): the
 *          player holds the action (field), the action holds the player
 *          (handler), and the dispose that would drop the action never
 *          runs
 *   clean  the handler is connected with g_signal_connect_object, and
 *          dispose drops the action
 */
#include <gio/gio.h>

#include "corpus.h"

typedef struct _MusicPlayer        MusicPlayer;
typedef struct _MusicPlayerClass   MusicPlayerClass;
typedef struct _MusicPlayerPrivate MusicPlayerPrivate;

struct _MusicPlayer
{
  GObject             parent_instance;
  MusicPlayerPrivate *priv;
};

struct _MusicPlayerClass
{
  GObjectClass parent_class;
};

GType music_player_get_type (void);

#define MUSIC_TYPE_PLAYER (music_player_get_type ())
#define MUSIC_PLAYER(obj) (G_TYPE_CHECK_INSTANCE_CAST ((obj), MUSIC_TYPE_PLAYER, MusicPlayer))

struct _MusicPlayerPrivate
{
  GSimpleAction *play_action;
  gboolean       playing;
  guint          n_toggles;
};

G_DEFINE_TYPE_WITH_CODE (MusicPlayer, music_player, G_TYPE_OBJECT,
                         G_ADD_PRIVATE (MusicPlayer))

static gboolean leaky;

static void
on_play_activate (GSimpleAction *action,
                  GVariant      *parameter,
                  MusicPlayer   *self)
{
  self->priv->playing = !self->priv->playing;
  self->priv->n_toggles++;
}

static void
music_player_dispose (GObject *object)
{
  MusicPlayer *self = MUSIC_PLAYER (object);

  g_clear_object (&self->priv->play_action);
  G_OBJECT_CLASS (music_player_parent_class)->dispose (object);
}

static void
music_player_class_init (MusicPlayerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = music_player_dispose;
}

static void
music_player_init (MusicPlayer *self)
{
  self->priv = music_player_get_instance_private (self);
  self->priv->play_action = g_simple_action_new ("play-pause", NULL);
  if (leaky)
    g_signal_connect_data (self->priv->play_action, "activate", G_CALLBACK (on_play_activate),
                           g_object_ref (self), (GClosureNotify) g_object_unref, 0);
  else
    g_signal_connect_object (self->priv->play_action, "activate",
                             G_CALLBACK (on_play_activate), self, 0);
}

/* The action, for the application to add to its action map. */
static GAction *
music_player_get_play_action (MusicPlayer *self)
{
  return G_ACTION (self->priv->play_action);
}

int
main (int    argc,
      char **argv)
{
  MusicPlayer *player;

  leaky = corpus_parse_leaky (argc, argv);
  player = g_object_new (MUSIC_TYPE_PLAYER, NULL);
  g_action_activate (music_player_get_play_action (player), NULL);
  g_action_activate (music_player_get_play_action (player), NULL);
  if (player->priv->playing || player->priv->n_toggles != 2)
    return 1;
  g_object_unref (player);
  corpus_settle ();
  return 0;
}
