/* mail-sync-chain.c — corpus program: a cycle of three objects through
 * fields only.
 *
 * A MailAccount (a final type) keeps its MailFolderTree in a field of its
 * instance struct; the tree (a derivable type) keeps the MailSync that
 * fetches its folders in its private struct; the sync keeps the account
 * in a field of its instance struct, for the address it logs in with.
 * Three plain fields, no signal.  Usage: corpus-mail-sync-chain
 * leaky|clean.  Both set up an account, fetch its folders, drop it and
 * exit 0.
 *   leaky  the sync's account field is g_object_ref (account): account,
 *          tree and sync hold one another in a ring, and the dispose that
 *          would drop the tree never runs
 *   clean  the sync's account field is a weak pointer
 *          (g_set_weak_pointer ()): the account owns the tree, the tree
 *          the sync, and both go with it
 */
#include <glib-object.h>

#include "corpus.h"

#define MAIL_TYPE_ACCOUNT (mail_account_get_type ())
G_DECLARE_FINAL_TYPE (MailAccount, mail_account, MAIL, ACCOUNT, GObject)

#define MAIL_TYPE_FOLDER_TREE (mail_folder_tree_get_type ())
G_DECLARE_DERIVABLE_TYPE (MailFolderTree, mail_folder_tree, MAIL, FOLDER_TREE, GObject)

struct _MailFolderTreeClass
{
  GObjectClass parent_class;
};

#define MAIL_TYPE_SYNC (mail_sync_get_type ())
G_DECLARE_FINAL_TYPE (MailSync, mail_sync, MAIL, SYNC, GObject)

struct _MailAccount
{
  GObject         parent_instance;
  const char     *address;
  MailFolderTree *folders;
};

struct _MailSync
{
  GObject      parent_instance;
  MailAccount *account;  /* leaky: a reference; clean: a weak pointer */
};

typedef struct
{
  MailSync *sync;
  guint     n_folders;
} MailFolderTreePrivate;

static gboolean leaky;

G_DEFINE_FINAL_TYPE (MailSync, mail_sync, G_TYPE_OBJECT)

static void
mail_sync_dispose (GObject *object)
{
  MailSync *self = MAIL_SYNC (object);

  if (leaky)
    g_clear_object (&self->account);
  else
    g_clear_weak_pointer (&self->account);
  G_OBJECT_CLASS (mail_sync_parent_class)->dispose (object);
}

static void
mail_sync_class_init (MailSyncClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mail_sync_dispose;
}

static void mail_sync_init (MailSync *self) { }

/* How many folders the server has for the account. */
static guint
mail_sync_fetch (MailSync *self)
{
  if (self->account == NULL)
    return 0;
  return g_str_has_suffix (self->account->address, "@example.org") ? 3 : 1;
}

G_DEFINE_TYPE_WITH_PRIVATE (MailFolderTree, mail_folder_tree, G_TYPE_OBJECT)

static void
mail_folder_tree_dispose (GObject *object)
{
  MailFolderTreePrivate *priv = mail_folder_tree_get_instance_private (MAIL_FOLDER_TREE (object));

  g_clear_object (&priv->sync);
  G_OBJECT_CLASS (mail_folder_tree_parent_class)->dispose (object);
}

static void
mail_folder_tree_class_init (MailFolderTreeClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mail_folder_tree_dispose;
}

static void mail_folder_tree_init (MailFolderTree *self) { }

static MailFolderTree *
mail_folder_tree_new (MailAccount *account)
{
  MailFolderTree *self = g_object_new (MAIL_TYPE_FOLDER_TREE, NULL);
  MailFolderTreePrivate *priv = mail_folder_tree_get_instance_private (self);

  priv->sync = g_object_new (MAIL_TYPE_SYNC, NULL);
  if (leaky)
    priv->sync->account = g_object_ref (account);
  else
    g_set_weak_pointer (&priv->sync->account, account);
  return self;
}

static guint
mail_folder_tree_refresh (MailFolderTree *self)
{
  MailFolderTreePrivate *priv = mail_folder_tree_get_instance_private (self);

  return priv->n_folders = mail_sync_fetch (priv->sync);
}

G_DEFINE_FINAL_TYPE (MailAccount, mail_account, G_TYPE_OBJECT)

static void
mail_account_dispose (GObject *object)
{
  g_clear_object (&MAIL_ACCOUNT (object)->folders);
  G_OBJECT_CLASS (mail_account_parent_class)->dispose (object);
}

static void
mail_account_class_init (MailAccountClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mail_account_dispose;
}

static void mail_account_init (MailAccount *self) { }

int
main (int    argc,
      char **argv)
{
  MailAccount *account;

  leaky = corpus_parse_leaky (argc, argv);
  account = g_object_new (MAIL_TYPE_ACCOUNT, NULL);
  account->address = "ada@example.org";
  account->folders = mail_folder_tree_new (account);
  if (mail_folder_tree_refresh (account->folders) != 3)
    return 1;
  g_object_unref (account);
  corpus_settle ();
  return 0;
}
