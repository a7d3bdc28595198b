/* undo-stack-field.c — corpus program: two objects that hold each other in
 * fields of their public instance structs.
 *
 * An EditorDocument (a final type) keeps its EditorUndoStack in a field of
 * its instance struct; the stack keeps its document in a field of its
 * own, to put the text back on undo.  No signal, no object data: both
 * references are plain fields, which nothing but the program's own code
 * knows are references.  Usage: corpus-undo-stack-field leaky|clean.
 * Both make a document, type twice, undo once, drop the document and
 * exit 0.
 *   leaky  the stack's document field is g_object_ref (document): the
 *          document holds the stack, the stack holds the document, and the
 *          dispose that would drop the stack never runs
 *   clean  the stack's document field is a weak pointer
 *          (g_set_weak_pointer ()): the document owns the stack and
 *          outlives it
 */
#include <string.h>

#include <glib-object.h>

#include "corpus.h"

#define EDITOR_TYPE_DOCUMENT (editor_document_get_type ())
G_DECLARE_FINAL_TYPE (EditorDocument, editor_document, EDITOR, DOCUMENT, GObject)

#define EDITOR_TYPE_UNDO_STACK (editor_undo_stack_get_type ())
G_DECLARE_FINAL_TYPE (EditorUndoStack, editor_undo_stack, EDITOR, UNDO_STACK, GObject)

struct _EditorDocument
{
  GObject          parent_instance;
  GString         *text;
  EditorUndoStack *undo;
};

struct _EditorUndoStack
{
  GObject         parent_instance;
  EditorDocument *document;  /* leaky: a reference; clean: a weak pointer */
  GPtrArray      *steps;     /* of char *: the text before each edit */
};

static gboolean leaky;

G_DEFINE_FINAL_TYPE (EditorUndoStack, editor_undo_stack, G_TYPE_OBJECT)

static void
editor_undo_stack_dispose (GObject *object)
{
  EditorUndoStack *self = EDITOR_UNDO_STACK (object);

  if (leaky)
    g_clear_object (&self->document);
  else
    g_clear_weak_pointer (&self->document);
  g_clear_pointer (&self->steps, g_ptr_array_unref);
  G_OBJECT_CLASS (editor_undo_stack_parent_class)->dispose (object);
}

static void
editor_undo_stack_class_init (EditorUndoStackClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = editor_undo_stack_dispose;
}

static void
editor_undo_stack_init (EditorUndoStack *self)
{
  self->steps = g_ptr_array_new_with_free_func (g_free);
}

static EditorUndoStack *
editor_undo_stack_new (EditorDocument *document)
{
  EditorUndoStack *self = g_object_new (EDITOR_TYPE_UNDO_STACK, NULL);

  if (leaky)
    self->document = g_object_ref (document);
  else
    g_set_weak_pointer (&self->document, document);
  return self;
}

static void
editor_undo_stack_undo (EditorUndoStack *self)
{
  if (self->document == NULL || self->steps->len == 0)
    return;
  g_string_assign (self->document->text, g_ptr_array_index (self->steps, self->steps->len - 1));
  g_ptr_array_remove_index (self->steps, self->steps->len - 1);
}

G_DEFINE_FINAL_TYPE (EditorDocument, editor_document, G_TYPE_OBJECT)

static void
editor_document_dispose (GObject *object)
{
  g_clear_object (&EDITOR_DOCUMENT (object)->undo);
  G_OBJECT_CLASS (editor_document_parent_class)->dispose (object);
}

static void
editor_document_finalize (GObject *object)
{
  g_string_free (EDITOR_DOCUMENT (object)->text, TRUE);
  G_OBJECT_CLASS (editor_document_parent_class)->finalize (object);
}

static void
editor_document_class_init (EditorDocumentClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = editor_document_dispose;
  G_OBJECT_CLASS (klass)->finalize = editor_document_finalize;
}

static void
editor_document_init (EditorDocument *self)
{
  self->text = g_string_new (NULL);
  self->undo = editor_undo_stack_new (self);
}

static void
editor_document_type (EditorDocument *self,
                      const char     *text)
{
  g_ptr_array_add (self->undo->steps, g_strdup (self->text->str));
  g_string_append (self->text, text);
}

int
main (int    argc,
      char **argv)
{
  EditorDocument *document;

  leaky = corpus_parse_leaky (argc, argv);
  document = g_object_new (EDITOR_TYPE_DOCUMENT, NULL);
  editor_document_type (document, "Dear ");
  editor_document_type (document, "Sir");
  editor_undo_stack_undo (document->undo);
  if (strcmp (document->text->str, "Dear ") != 0)
    return 1;
  g_object_unref (document);
  corpus_settle ();
  return 0;
}
