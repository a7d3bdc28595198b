/* hash-table-owner.c — corpus program: objects in a hash table field that
 * hold the table's owner.
 *
 * A ContactBook (a final type) keeps its contacts in a GHashTable field,
 * by name; each Contact keeps its book in a field, to find the people it
 * shares a domain with.  Usage: corpus-hash-table-owner leaky|clean.  Both
 * fill a book, look a contact up, drop the book and exit 0.
 *   leaky  a contact's book field is g_object_ref (book): the book holds
 *          the table, the table its contacts, each contact the book, and
 *          the dispose that would drop the table never runs
 *   clean  a contact's book field is a weak pointer
 *          (g_set_weak_pointer ()): the book owns its contacts and
 *          outlives them
 * Beyond what reading pointer fields finds: the book's references to its
 * contacts live in the GHashTable's memory, not in the book's own words,
 * and Ouro reads only the words of the program's own objects.  The
 * contact -> book fields are there to read; the book -> contact half is
 * not, so the contacts stay held from outside (by the table, a reference
 * taken in the program's code), and the book with them: the leak shows as
 * objects held from outside, never as a cycle.
 */
#include <string.h>

#include <glib-object.h>

#include "corpus.h"

#define CONTACT_TYPE_BOOK (contact_book_get_type ())
G_DECLARE_FINAL_TYPE (ContactBook, contact_book, CONTACT, BOOK, GObject)

#define CONTACT_TYPE_CONTACT (contact_get_type ())
G_DECLARE_FINAL_TYPE (Contact, contact, CONTACT, CONTACT, GObject)

struct _ContactBook
{
  GObject     parent_instance;
  GHashTable *contacts;  /* name -> Contact */
};

struct _Contact
{
  GObject      parent_instance;
  const char  *name;
  const char  *email;
  ContactBook *book;  /* leaky: a reference; clean: a weak pointer */
};

static gboolean leaky;

/* ---- a contact --------------------------------------------------------- */

G_DEFINE_FINAL_TYPE (Contact, contact, G_TYPE_OBJECT)

static void
contact_dispose (GObject *object)
{
  Contact *self = CONTACT_CONTACT (object);

  if (leaky)
    g_clear_object (&self->book);
  else
    g_clear_weak_pointer (&self->book);
  G_OBJECT_CLASS (contact_parent_class)->dispose (object);
}

static void
contact_class_init (ContactClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = contact_dispose;
}

static void contact_init (Contact *self) { }

static Contact *
contact_new (ContactBook *book,
             const char  *name,
             const char  *email)
{
  Contact *self = g_object_new (CONTACT_TYPE_CONTACT, NULL);

  self->name = name;
  self->email = email;
  if (leaky)
    self->book = g_object_ref (book);
  else
    g_set_weak_pointer (&self->book, book);
  return self;
}

/* How many others in the contact's book share its mail domain. */
static guint
contact_count_colleagues (Contact *self)
{
  const char *domain = strchr (self->email, '@');
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->book->contacts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += value != self && g_str_has_suffix (CONTACT_CONTACT (value)->email, domain);
  return n;
}

/* ---- the book ---------------------------------------------------------- */

G_DEFINE_FINAL_TYPE (ContactBook, contact_book, G_TYPE_OBJECT)

static void
contact_book_dispose (GObject *object)
{
  g_clear_pointer (&CONTACT_BOOK (object)->contacts, g_hash_table_unref);
  G_OBJECT_CLASS (contact_book_parent_class)->dispose (object);
}

static void
contact_book_class_init (ContactBookClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = contact_book_dispose;
}

static void
contact_book_init (ContactBook *self)
{
  self->contacts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
}

static void
contact_book_add (ContactBook *self,
                  const char  *name,
                  const char  *email)
{
  Contact *contact = contact_new (self, name, email);

  g_hash_table_replace (self->contacts, (gpointer) contact->name, contact);
}

int
main (int    argc,
      char **argv)
{
  ContactBook *book;

  leaky = corpus_parse_leaky (argc, argv);
  book = g_object_new (CONTACT_TYPE_BOOK, NULL);
  contact_book_add (book, "Ada", "ada@example.org");
  contact_book_add (book, "Grace", "grace@example.org");
  contact_book_add (book, "Linus", "linus@example.com");
  if (contact_count_colleagues (g_hash_table_lookup (book->contacts, "Grace")) != 1)
    return 1;
  g_object_unref (book);
  corpus_settle ();
  return 0;
}
