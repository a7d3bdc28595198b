/* ouro-gobject-list-models.c — the references GTK 4's list models, list
 * widgets and GtkDropDown hold on the models, filters, sorters and items
 * they wrap, found at run time when those types exist in the process.
 *
 * Called from traverse functions only, so under the registry lock: scans
 * are serialised, and the per-type cache below needs no lock of its own.
 * GTK itself is single-threaded: its objects are read on the scanning
 * thread, which for a GTK program is its main thread.  Nothing here links
 * against GTK: types are looked up by name and getters with dlsym, the
 * first time an object of a type not seen before comes by and GTK's types
 * exist.
 *
 * Why it matters: a list widget's cycle runs through these wrappers.  A
 * GtkDropDown with an expression hands it to a GtkStringFilter inside a
 * GtkFilterListModel, which a GtkSingleSelection wraps for the popup's
 * GtkListView; with those references unexplained the filter, and through
 * it the expression and whatever the expression holds, stayed live.
 *
 * Edges, each one reference, read through GTK's public getters, each a
 * plain field accessor in GTK 4.8.3 (checked in gtk/gtkfilterlistmodel.c,
 * gtksortlistmodel.c, gtkslicelistmodel.c, gtkmaplistmodel.c,
 * gtkflattenlistmodel.c, gtksingleselection.c, gtknoselection.c,
 * gtkmultiselection.c, gtklistbase.c, gtklistitemmanager.c,
 * gtkdropdown.c: each setter takes a reference with g_object_ref or
 * g_set_object, the dispose drops it, and no getter runs application code):
 *   - a wrapping list model or selection model to the model it wraps,
 *     "list model";
 *   - a GtkFilterListModel to its filter, "filter"; a GtkSortListModel to
 *     its sorter, "sorter";
 *   - a GtkSingleSelection to its selected item, "selected item";
 *   - a GtkListView or GtkGridView to its model, twice: "list model" (the
 *     list base's own reference) and "list model (item manager)" (its
 *     GtkListItemManager's, set in the same call and dropped in the list
 *     base's dispose; the manager is GTK-private and not reachable through
 *     public API, so the widget stands for it);
 *   - a GtkDropDown to its model ("list model"), its factories ("factory",
 *     "list factory"), and the three models it makes for that model and
 *     keeps in its instance struct (gtk_drop_down_set_model ()): "selection"
 *     (a GtkSingleSelection over the model), "filter model" (a
 *     GtkFilterListModel over the model) and "popup selection" (a
 *     GtkSingleSelection over the filter model).  Their fields have no
 *     getter: they are found among the words of the GtkDropDown part of the
 *     instance, each accepted only when it is a tracked GObject of the
 *     right type whose own getters give the relation above, so a layout
 *     other than 4.8.3's still finds them, and a word that merely looks
 *     like one is never counted.
 * Not read: what GTK keeps in private tables (a GtkMultiSelection's
 * selected items, a GtkMapListModel's mapped items, a GtkFlattenListModel's
 * inner models, a GtkListItemManager's factory): those objects stay live,
 * which can only hide a cycle.
 */
#include "config.h"

#include <dlfcn.h>

#include "ouro-gobject-records-private.h"

typedef gpointer (*ListModelsGetter) (gpointer object);

/* One reference a GTK type keeps, on what its getter returns. */
typedef struct {
  const char *type_name;
  const char *getter_name;
  const char *label;
} ListModelsHolding;

/* holdings[] by name: the drop-down's own models are checked with some of
 * its getters. */
enum {
  HOLDING_FILTER_LIST_MODEL_MODEL,
  HOLDING_FILTER_LIST_MODEL_FILTER,
  HOLDING_SORT_LIST_MODEL_MODEL,
  HOLDING_SORT_LIST_MODEL_SORTER,
  HOLDING_SLICE_LIST_MODEL_MODEL,
  HOLDING_MAP_LIST_MODEL_MODEL,
  HOLDING_FLATTEN_LIST_MODEL_MODEL,
  HOLDING_SINGLE_SELECTION_MODEL,
  HOLDING_SINGLE_SELECTION_ITEM,
  HOLDING_NO_SELECTION_MODEL,
  HOLDING_MULTI_SELECTION_MODEL,
  HOLDING_LIST_VIEW_MODEL,
  HOLDING_LIST_VIEW_MODEL_AGAIN,
  HOLDING_GRID_VIEW_MODEL,
  HOLDING_GRID_VIEW_MODEL_AGAIN,
  HOLDING_DROP_DOWN_MODEL,
  HOLDING_DROP_DOWN_FACTORY,
  HOLDING_DROP_DOWN_LIST_FACTORY,
  N_HOLDINGS
};

static const ListModelsHolding holdings[N_HOLDINGS] = {
  [HOLDING_FILTER_LIST_MODEL_MODEL]  = { "GtkFilterListModel",  "gtk_filter_list_model_get_model",        "list model" },
  [HOLDING_FILTER_LIST_MODEL_FILTER] = { "GtkFilterListModel",  "gtk_filter_list_model_get_filter",       "filter" },
  [HOLDING_SORT_LIST_MODEL_MODEL]    = { "GtkSortListModel",    "gtk_sort_list_model_get_model",          "list model" },
  [HOLDING_SORT_LIST_MODEL_SORTER]   = { "GtkSortListModel",    "gtk_sort_list_model_get_sorter",         "sorter" },
  [HOLDING_SLICE_LIST_MODEL_MODEL]   = { "GtkSliceListModel",   "gtk_slice_list_model_get_model",         "list model" },
  [HOLDING_MAP_LIST_MODEL_MODEL]     = { "GtkMapListModel",     "gtk_map_list_model_get_model",           "list model" },
  [HOLDING_FLATTEN_LIST_MODEL_MODEL] = { "GtkFlattenListModel", "gtk_flatten_list_model_get_model",       "list model" },
  [HOLDING_SINGLE_SELECTION_MODEL]   = { "GtkSingleSelection",  "gtk_single_selection_get_model",         "list model" },
  [HOLDING_SINGLE_SELECTION_ITEM]    = { "GtkSingleSelection",  "gtk_single_selection_get_selected_item", "selected item" },
  [HOLDING_NO_SELECTION_MODEL]       = { "GtkNoSelection",      "gtk_no_selection_get_model",             "list model" },
  [HOLDING_MULTI_SELECTION_MODEL]    = { "GtkMultiSelection",   "gtk_multi_selection_get_model",          "list model" },
  [HOLDING_LIST_VIEW_MODEL]          = { "GtkListView",         "gtk_list_view_get_model",                "list model" },
  [HOLDING_LIST_VIEW_MODEL_AGAIN]    = { "GtkListView",         "gtk_list_view_get_model",                "list model (item manager)" },
  [HOLDING_GRID_VIEW_MODEL]          = { "GtkGridView",         "gtk_grid_view_get_model",                "list model" },
  [HOLDING_GRID_VIEW_MODEL_AGAIN]    = { "GtkGridView",         "gtk_grid_view_get_model",                "list model (item manager)" },
  [HOLDING_DROP_DOWN_MODEL]          = { "GtkDropDown",         "gtk_drop_down_get_model",                "list model" },
  [HOLDING_DROP_DOWN_FACTORY]        = { "GtkDropDown",         "gtk_drop_down_get_factory",              "factory" },
  [HOLDING_DROP_DOWN_LIST_FACTORY]   = { "GtkDropDown",         "gtk_drop_down_get_list_factory",         "list factory" },
};

/* A bit per entry of holdings[] in a guint32. */
G_STATIC_ASSERT (N_HOLDINGS <= 32);

static struct {
  GType            types[N_HOLDINGS];    /* 0: not registered yet */
  ListModelsGetter getters[N_HOLDINGS];  /* NULL: not found */
  guint            n_resolved;           /* entries whose type is registered */
  gsize            widget_size;          /* where GtkDropDown's own members start; */
  gsize            drop_down_size;       /* both 0 until GtkDropDown is registered */
} gtk;

/* After it: each entry whose type is registered now has its type and, when
 * GTK exports it, its getter. */
static void
list_models_resolve (void)
{
  guint n_resolved = 0;

  for (guint i = 0; i < N_HOLDINGS; i++)
    {
      if (gtk.types[i] == 0 && (gtk.types[i] = g_type_from_name (holdings[i].type_name)) != 0)
        gtk.getters[i] = (ListModelsGetter) dlsym (RTLD_DEFAULT, holdings[i].getter_name);
      n_resolved += gtk.types[i] != 0;
    }
  gtk.n_resolved = n_resolved;

  if (gtk.drop_down_size == 0 && gtk.types[HOLDING_DROP_DOWN_MODEL] != 0)
    {
      GTypeQuery drop_down_query, widget_query;

      g_type_query (gtk.types[HOLDING_DROP_DOWN_MODEL], &drop_down_query);
      g_type_query (g_type_parent (gtk.types[HOLDING_DROP_DOWN_MODEL]), &widget_query);
      gtk.widget_size = widget_query.instance_size;
      gtk.drop_down_size = drop_down_query.instance_size;
    }
}

/* GType -> the holdings[] entries that apply to it, as bits.  Made when
 * the type is first seen, after resolving: an instance's type is
 * registered, and so are all its ancestors, so an entry whose type is
 * registered later can never apply to it. */
static OuroGObjectTypeCacheEntry list_models_cache[OURO_GOBJECT_TYPE_CACHE_SIZE];

static guint32
list_models_classify (GType type)
{
  guint32 bits = 0;

  if (gtk.n_resolved < N_HOLDINGS)
    list_models_resolve ();
  for (guint i = 0; i < N_HOLDINGS; i++)
    if (gtk.types[i] != 0 && gtk.getters[i] != NULL && g_type_is_a (type, gtk.types[i]))
      bits |= 1u << i;
  return bits;
}

static guint32
list_models_holdings_of (GType type)
{
  return ouro_gobject_type_cache_get (list_models_cache, type, list_models_classify);
}

/* What holdings[@holding]'s getter returns for @pointer when @pointer is a
 * tracked GObject of the entry's type (only then may it be read, and it
 * cannot be freed before the scan ends); else NULL, which never equals
 * the model a caller looks for. */
static gpointer
list_models_get_checked (guint    holding,
                         gpointer pointer)
{
  if (gtk.types[holding] == 0 || gtk.getters[holding] == NULL
      || ouro_get_class (pointer) != ouro_gobject_class ()
      || !G_TYPE_CHECK_INSTANCE_TYPE (pointer, gtk.types[holding]))
    return NULL;
  return gtk.getters[holding] (pointer);
}

/* The models @drop_down made for its @model, found among the words of its
 * GtkDropDown part, each visited once. */
static void
list_models_visit_drop_down_models (GObject      *drop_down,
                                    gpointer      model,
                                    OuroVisitFunc visit,
                                    gpointer      user_data)
{
  const char *found[3] = { NULL, NULL, NULL };
  const gsize start = (gtk.widget_size + sizeof (gpointer) - 1) & ~(sizeof (gpointer) - 1);

  /* Registered by the first gtk_drop_down_set_model (), maybe after the
   * last resolve. */
  if (gtk.types[HOLDING_SINGLE_SELECTION_MODEL] == 0 || gtk.types[HOLDING_FILTER_LIST_MODEL_MODEL] == 0)
    list_models_resolve ();

  for (gsize offset = start; offset + sizeof (gpointer) <= gtk.drop_down_size;
       offset += sizeof (gpointer))
    {
      gpointer word = *(gpointer *) ((char *) drop_down + offset);
      gpointer wrapped;
      const char *label = NULL;
      guint which = 0;

      if (word == NULL || word == model)
        continue;
      if ((wrapped = list_models_get_checked (HOLDING_SINGLE_SELECTION_MODEL, word)) != NULL)
        {
          if (wrapped == model)
            label = "selection", which = 0;
          else if (list_models_get_checked (HOLDING_FILTER_LIST_MODEL_MODEL, wrapped) == model)
            label = "popup selection", which = 1;
        }
      else if (list_models_get_checked (HOLDING_FILTER_LIST_MODEL_MODEL, word) == model)
        label = "filter model", which = 2;

      if (label != NULL && found[which] == NULL)
        {
          found[which] = label;
          ouro_gobject_visit (visit, word, label, user_data);
        }
    }
}

void
ouro_gobject_visit_list_models (GObject      *object,
                                OuroVisitFunc visit,
                                gpointer      user_data)
{
  guint32 bits = list_models_holdings_of (G_OBJECT_TYPE (object));
  gpointer drop_down_model = NULL;

  for (guint i = 0; bits != 0 && i < N_HOLDINGS; i++)
    if (bits & (1u << i))
      {
        gpointer held = gtk.getters[i] (object);

        ouro_gobject_visit (visit, held, holdings[i].label, user_data);
        if (i == HOLDING_DROP_DOWN_MODEL)
          drop_down_model = held;
      }
  if (drop_down_model != NULL)
    list_models_visit_drop_down_models (object, drop_down_model, visit, user_data);
}
