/* tiles-array-owner.c — corpus program: children kept in a nested struct
 * member and an array member, each holding its owner in a field.
 *
 * A Dashboard (a final type) keeps its header and footer tiles in a
 * nested struct member (`chrome.header`, `chrome.footer`) and its content
 * tiles in an array member (`tiles[4]`); each DashboardTile keeps its
 * dashboard in an `owner` field, to ask it for the refresh interval.
 * Usage: corpus-tiles-array-owner leaky|clean.  Both make a dashboard,
 * schedule its tiles, drop it and exit 0.
 *   leaky  a tile's owner is g_object_ref (dashboard): the dashboard holds
 *          every tile (fields), every tile holds the dashboard (field), and
 *          the dispose that would drop the tiles never runs
 *   clean  a tile borrows its owner (no reference), and the dashboard's
 *          dispose clears each tile's owner before dropping the tile
 */
#include <glib-object.h>

#include "corpus.h"

#define DASHBOARD_TYPE_DASHBOARD (dashboard_get_type ())
G_DECLARE_FINAL_TYPE (Dashboard, dashboard, DASHBOARD, DASHBOARD, GObject)

#define DASHBOARD_TYPE_TILE (dashboard_tile_get_type ())
G_DECLARE_FINAL_TYPE (DashboardTile, dashboard_tile, DASHBOARD, TILE, GObject)

struct _Dashboard
{
  GObject parent_instance;
  guint   refresh_seconds;
  struct {
    DashboardTile *header;
    DashboardTile *footer;
  } chrome;
  DashboardTile *tiles[4];
  guint          n_tiles;
};

struct _DashboardTile
{
  GObject     parent_instance;
  const char *title;
  Dashboard  *owner;  /* leaky: a reference; clean: borrowed */
  guint       next_refresh;
};

static gboolean leaky;

G_DEFINE_FINAL_TYPE (DashboardTile, dashboard_tile, G_TYPE_OBJECT)

static void
dashboard_tile_set_owner (DashboardTile *self,
                          Dashboard     *owner)
{
  if (leaky)
    g_set_object (&self->owner, owner);
  else
    self->owner = owner;
}

static void
dashboard_tile_dispose (GObject *object)
{
  dashboard_tile_set_owner (DASHBOARD_TILE (object), NULL);
  G_OBJECT_CLASS (dashboard_tile_parent_class)->dispose (object);
}

static void
dashboard_tile_class_init (DashboardTileClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dashboard_tile_dispose;
}

static void dashboard_tile_init (DashboardTile *self) { }

static DashboardTile *
dashboard_tile_new (Dashboard  *owner,
                    const char *title)
{
  DashboardTile *self = g_object_new (DASHBOARD_TYPE_TILE, NULL);

  self->title = title;
  dashboard_tile_set_owner (self, owner);
  return self;
}

static void
dashboard_tile_schedule (DashboardTile *self,
                         guint          now)
{
  self->next_refresh = now + self->owner->refresh_seconds;
}

G_DEFINE_FINAL_TYPE (Dashboard, dashboard, G_TYPE_OBJECT)

/* Detaches *@tile from its dashboard and drops it. */
static void
dashboard_drop_tile (DashboardTile **tile)
{
  if (*tile != NULL)
    dashboard_tile_set_owner (*tile, NULL);
  g_clear_object (tile);
}

static void
dashboard_dispose (GObject *object)
{
  Dashboard *self = DASHBOARD_DASHBOARD (object);

  dashboard_drop_tile (&self->chrome.header);
  dashboard_drop_tile (&self->chrome.footer);
  for (guint i = 0; i < self->n_tiles; i++)
    dashboard_drop_tile (&self->tiles[i]);
  G_OBJECT_CLASS (dashboard_parent_class)->dispose (object);
}

static void
dashboard_class_init (DashboardClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dashboard_dispose;
}

static void
dashboard_init (Dashboard *self)
{
  static const char *const titles[] = { "Inbox", "Calendar", "Builds" };

  self->refresh_seconds = 30;
  self->chrome.header = dashboard_tile_new (self, "Weather");
  self->chrome.footer = dashboard_tile_new (self, "Clock");
  for (self->n_tiles = 0; self->n_tiles < G_N_ELEMENTS (titles); self->n_tiles++)
    self->tiles[self->n_tiles] = dashboard_tile_new (self, titles[self->n_tiles]);
}

int
main (int    argc,
      char **argv)
{
  Dashboard *dashboard;

  leaky = corpus_parse_leaky (argc, argv);
  dashboard = g_object_new (DASHBOARD_TYPE_DASHBOARD, NULL);
  dashboard_tile_schedule (dashboard->chrome.header, 100);
  for (guint i = 0; i < dashboard->n_tiles; i++)
    dashboard_tile_schedule (dashboard->tiles[i], 100);
  if (dashboard->tiles[2]->next_refresh != 130)
    return 1;
  g_object_unref (dashboard);
  corpus_settle ();
  return 0;
}
