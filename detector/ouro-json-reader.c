/* ouro-json-reader.c — a small strict JSON parser into a read-only tree.
 *
 * MT safe: parsing touches only the parser's own state; a document is
 * immutable once parsed.  See ouro-json-reader-private.h for what it
 * accepts.
 *
 * One pass over the input with an explicit stack of open containers (no
 * recursion: the depth limit bounds the stack, not the C stack).  The
 * values of open containers wait in one "pending" array; when a container
 * closes its values move, contiguous, into the document's arena, so a
 * whole document is a handful of large blocks freed at once, and freeing
 * needs no walk either.  Objects also keep their members' indices sorted
 * by key: duplicates show up as neighbours, and lookups are binary
 * searches.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ouro-json-reader-private.h"

#define JSON_BLOCK_SIZE (64 * 1024)

typedef struct _OuroJsonMember OuroJsonMember;

struct _OuroJsonValue {
  guint8   type;          /* OuroJsonType */
  guint32  line;
  guint32  column;
  gsize    length;        /* string bytes, array items, object members */
  union {
    gboolean              boolean;
    gint64                integer;
    double                number;
    const char           *string;
    const OuroJsonValue  *items;
    struct {
      const OuroJsonMember *members;
      const guint32        *sorted;   /* member indices by key */
    } object;
  } u;
};

struct _OuroJsonMember {
  const char    *key;     /* NUL-terminated, may hold NULs before key_length */
  gsize          key_length;
  OuroJsonValue  value;
};

struct _OuroJson {
  GPtrArray     *blocks;  /* arena blocks, g_free */
  char          *free_space;
  gsize          free_length;
  OuroJsonValue  root;
};

typedef struct {
  gboolean    is_object;
  guint       first_pending;   /* this container's values in pending[first_pending ..) */
  guint32     line;
  guint32     column;
  const char *key;             /* objects: the key of the value being parsed */
  gsize       key_length;
} JsonFrame;

typedef struct {
  const guchar *data;
  gsize         length;
  gsize         pos;
  gsize         line;          /* of pos, from 1 */
  gsize         line_start;    /* offset of the line's first byte */
  OuroJson     *json;
  GArray       *pending;       /* OuroJsonMember; the key unused in arrays */
  GString      *scratch;       /* a string or number being decoded */
  JsonFrame     stack[OURO_JSON_MAX_DEPTH];
  guint         depth;
  GError      **error;
} JsonParser;

G_DEFINE_QUARK (ouro-json-error-quark, ouro_json_error)

/* Returns @size bytes, 8-aligned, from @json's arena; they live as long as
 * @json. */
static gpointer
json_alloc (OuroJson *json,
            gsize     size)
{
  gpointer result;

  size = (size + 7) & ~(gsize) 7;
  if (size > JSON_BLOCK_SIZE / 4)
    {
      /* Large: a block of its own, so the current one's space is kept. */
      result = g_malloc (size);
      g_ptr_array_add (json->blocks, result);
      return result;
    }
  if (size > json->free_length)
    {
      json->free_space = g_malloc (JSON_BLOCK_SIZE);
      json->free_length = JSON_BLOCK_SIZE;
      g_ptr_array_add (json->blocks, json->free_space);
    }
  result = json->free_space;
  json->free_space += size;
  json->free_length -= size;
  return result;
}

/* Sets the parser's error at byte @pos and returns FALSE.  Valid for any
 * @pos on the current line: newlines only occur in white space, which
 * keeps line and line_start up to date. */
static gboolean G_GNUC_PRINTF (4, 5)
json_fail (JsonParser *parser,
           gsize       pos,
           gint        code,
           const char *format,
           ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (parser->error, OURO_JSON_ERROR, code, "line %" G_GSIZE_FORMAT ", column %"
               G_GSIZE_FORMAT ": %s", parser->line, pos - parser->line_start + 1, message);
  g_free (message);
  return FALSE;
}

/* Describes the byte at @pos for an error message. */
static char *
json_describe_byte (JsonParser *parser,
                    gsize       pos)
{
  guchar c;

  if (pos >= parser->length)
    return g_strdup ("the end of the input");
  c = parser->data[pos];
  if (c >= 0x21 && c < 0x7f)
    return g_strdup_printf ("'%c'", c);
  return g_strdup_printf ("byte 0x%02x", c);
}

static gboolean
json_fail_unexpected (JsonParser *parser,
                      const char *expected)
{
  char *found = json_describe_byte (parser, parser->pos);

  json_fail (parser, parser->pos, OURO_JSON_ERROR_SYNTAX, "expected %s, found %s", expected, found);
  g_free (found);
  return FALSE;
}

/* After it: pos is at the first byte that is not JSON white space. */
static void
json_skip_space (JsonParser *parser)
{
  while (parser->pos < parser->length)
    {
      guchar c = parser->data[parser->pos];

      if (c == '\n')
        {
          parser->line++;
          parser->line_start = parser->pos + 1;
        }
      else if (c != ' ' && c != '\t' && c != '\r')
        return;
      parser->pos++;
    }
}

static void
json_set_position (JsonParser    *parser,
                   OuroJsonValue *value)
{
  value->line = (guint32) MIN (parser->line, G_MAXUINT32);
  value->column = (guint32) MIN (parser->pos - parser->line_start + 1, G_MAXUINT32);
}

/* Returns the value of four hex digits at @pos, or -1. */
static gint
json_read_hex4 (JsonParser *parser,
                gsize       pos)
{
  gint value = 0;

  if (parser->length - pos < 4)
    return -1;
  for (gsize i = pos; i < pos + 4; i++)
    {
      gint digit = g_ascii_xdigit_value ((char) parser->data[i]);
      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  return value;
}

/* Decodes the escape at pos (just after the backslash) into scratch.
 * After it (when TRUE): pos is past the escape. */
static gboolean
json_parse_escape (JsonParser *parser)
{
  gsize start = parser->pos - 1;
  gint unit, low;
  char utf8[6];

  if (parser->pos >= parser->length)
    return json_fail (parser, parser->pos, OURO_JSON_ERROR_SYNTAX,
                      "unexpected end of input in a string escape");
  switch (parser->data[parser->pos++])
    {
    case '"':  g_string_append_c (parser->scratch, '"'); return TRUE;
    case '\\': g_string_append_c (parser->scratch, '\\'); return TRUE;
    case '/':  g_string_append_c (parser->scratch, '/'); return TRUE;
    case 'b':  g_string_append_c (parser->scratch, '\b'); return TRUE;
    case 'f':  g_string_append_c (parser->scratch, '\f'); return TRUE;
    case 'n':  g_string_append_c (parser->scratch, '\n'); return TRUE;
    case 'r':  g_string_append_c (parser->scratch, '\r'); return TRUE;
    case 't':  g_string_append_c (parser->scratch, '\t'); return TRUE;
    case 'u':  break;
    default:
      return json_fail (parser, start, OURO_JSON_ERROR_SYNTAX,
                        "invalid escape in a string (JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
    }

  unit = json_read_hex4 (parser, parser->pos);
  if (unit < 0)
    return json_fail (parser, start, OURO_JSON_ERROR_SYNTAX, "\\u must be followed by four hex digits");
  parser->pos += 4;
  if (unit >= 0xdc00 && unit <= 0xdfff)
    return json_fail (parser, start, OURO_JSON_ERROR_SYNTAX,
                      "lone surrogate \\u%04x: a low surrogate must follow a high one", (guint) unit);
  if (unit >= 0xd800 && unit <= 0xdbff)
    {
      if (parser->length - parser->pos < 2
          || parser->data[parser->pos] != '\\' || parser->data[parser->pos + 1] != 'u'
          || (low = json_read_hex4 (parser, parser->pos + 2)) < 0xdc00 || low > 0xdfff)
        return json_fail (parser, start, OURO_JSON_ERROR_SYNTAX,
                          "lone surrogate \\u%04x: a high surrogate must be followed by "
                          "a \\u escape of a low one", (guint) unit);
      parser->pos += 6;
      unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
    }
  g_string_append_len (parser->scratch, utf8, g_unichar_to_utf8 ((gunichar) unit, utf8));
  return TRUE;
}

/* Parses the string at pos (at its opening quote).  After it (when TRUE):
 * *out_text is its decoded text in the arena, NUL-terminated, and pos is
 * past its closing quote. */
static gboolean
json_parse_string (JsonParser  *parser,
                   const char **out_text,
                   gsize       *out_length)
{
  gsize start = parser->pos;
  char *text;

  g_string_truncate (parser->scratch, 0);
  parser->pos++;

  for (;;)
    {
      gsize run = parser->pos;
      const char *valid_end;
      guchar c;

      /* A run of plain bytes: it can only end at an ASCII byte, never inside
       * a well-formed UTF-8 sequence, so validating runs validates all. */
      while (parser->pos < parser->length
             && (c = parser->data[parser->pos]) >= 0x20 && c != '"' && c != '\\')
        parser->pos++;
      if (parser->pos == parser->length)
        return json_fail (parser, start, OURO_JSON_ERROR_SYNTAX,
                          "unexpected end of input in the string starting here");
      if (!g_utf8_validate_len ((const char *) parser->data + run, parser->pos - run, &valid_end))
        return json_fail (parser, (gsize) ((const guchar *) valid_end - parser->data),
                          OURO_JSON_ERROR_SYNTAX, "invalid UTF-8 in a string");
      g_string_append_len (parser->scratch, (const char *) parser->data + run, parser->pos - run);

      c = parser->data[parser->pos];
      if (c == '"')
        break;
      if (c < 0x20)
        return json_fail (parser, parser->pos, OURO_JSON_ERROR_SYNTAX,
                          "control character 0x%02x in a string (escape it)", c);
      parser->pos++;
      if (!json_parse_escape (parser))
        return FALSE;
    }
  parser->pos++;

  text = json_alloc (parser->json, parser->scratch->len + 1);
  memcpy (text, parser->scratch->str, parser->scratch->len + 1);
  *out_text = text;
  *out_length = parser->scratch->len;
  return TRUE;
}

/* Skips the digits at pos; returns how many. */
static gsize
json_skip_digits (JsonParser *parser)
{
  gsize start = parser->pos;

  while (parser->pos < parser->length && g_ascii_isdigit (parser->data[parser->pos]))
    parser->pos++;
  return parser->pos - start;
}

/* Parses the number at pos.  After it (when TRUE): @value holds it, an
 * integer when it has no fraction or exponent and fits gint64, a finite
 * double otherwise; pos is past it. */
static gboolean
json_parse_number (JsonParser    *parser,
                   OuroJsonValue *value)
{
  gsize start = parser->pos;
  gboolean negative = FALSE, integral = TRUE, overflow = FALSE;
  guint64 magnitude = 0;
  double number;
  char *end;

  if (parser->data[parser->pos] == '-')
    {
      negative = TRUE;
      parser->pos++;
    }
  if (parser->pos < parser->length && parser->data[parser->pos] == '0')
    parser->pos++;
  else if (json_skip_digits (parser) == 0)
    return json_fail_unexpected (parser, "a digit");

  for (gsize i = start + negative; i < parser->pos; i++)
    {
      guint digit = parser->data[i] - '0';

      if (magnitude > (G_MAXUINT64 - digit) / 10)
        overflow = TRUE;
      else
        magnitude = magnitude * 10 + digit;
    }

  if (parser->pos < parser->length && parser->data[parser->pos] == '.')
    {
      integral = FALSE;
      parser->pos++;
      if (json_skip_digits (parser) == 0)
        return json_fail_unexpected (parser, "a digit after the decimal point");
    }
  if (parser->pos < parser->length && (parser->data[parser->pos] | 0x20) == 'e')
    {
      integral = FALSE;
      parser->pos++;
      if (parser->pos < parser->length
          && (parser->data[parser->pos] == '+' || parser->data[parser->pos] == '-'))
        parser->pos++;
      if (json_skip_digits (parser) == 0)
        return json_fail_unexpected (parser, "a digit in the exponent");
    }

  if (integral && !overflow
      && magnitude <= (negative ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64))
    {
      value->type = OURO_JSON_INTEGER;
      value->u.integer = negative ? (gint64) (0 - magnitude) : (gint64) magnitude;
      return TRUE;
    }

  /* g_ascii_strtod needs a terminator; the grammar is already checked. */
  g_string_truncate (parser->scratch, 0);
  g_string_append_len (parser->scratch, (const char *) parser->data + start, parser->pos - start);
  number = g_ascii_strtod (parser->scratch->str, &end);
  if (!isfinite (number))
    return json_fail (parser, start, OURO_JSON_ERROR_SYNTAX,
                      "number out of range (beyond a double's)");
  value->type = OURO_JSON_DOUBLE;
  value->u.number = number;
  return TRUE;
}

/* Parses the literal @word at pos. */
static gboolean
json_parse_literal (JsonParser *parser,
                    const char *word)
{
  gsize n = strlen (word);

  if (parser->length - parser->pos < n || memcmp (parser->data + parser->pos, word, n) != 0)
    return json_fail_unexpected (parser, "a JSON value");
  parser->pos += n;
  return TRUE;
}

/* Parses the scalar at pos (after white space) into @value. */
static gboolean
json_parse_scalar (JsonParser    *parser,
                   OuroJsonValue *value)
{
  json_set_position (parser, value);
  if (parser->pos >= parser->length)
    return json_fail_unexpected (parser, "a JSON value");

  switch (parser->data[parser->pos])
    {
    case '"':
      value->type = OURO_JSON_STRING;
      return json_parse_string (parser, &value->u.string, &value->length);
    case 't':
      value->type = OURO_JSON_BOOLEAN;
      value->u.boolean = TRUE;
      return json_parse_literal (parser, "true");
    case 'f':
      value->type = OURO_JSON_BOOLEAN;
      value->u.boolean = FALSE;
      return json_parse_literal (parser, "false");
    case 'n':
      value->type = OURO_JSON_NULL;
      return json_parse_literal (parser, "null");
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return json_parse_number (parser, value);
    default:
      return json_fail_unexpected (parser, "a JSON value");
    }
}

/* Parses an object key and its colon at pos (after white space).  After it
 * (when TRUE): the top frame holds the key; pos is past the colon. */
static gboolean
json_parse_key (JsonParser *parser)
{
  JsonFrame *frame = &parser->stack[parser->depth - 1];

  if (parser->pos >= parser->length || parser->data[parser->pos] != '"')
    return json_fail_unexpected (parser, "a string (an object key)");
  if (!json_parse_string (parser, &frame->key, &frame->key_length))
    return FALSE;
  json_skip_space (parser);
  if (parser->pos >= parser->length || parser->data[parser->pos] != ':')
    return json_fail_unexpected (parser, "':' after an object key");
  parser->pos++;
  return TRUE;
}

static gint
json_compare_keys (const char *a,
                   gsize       a_length,
                   const char *b,
                   gsize       b_length)
{
  int order = memcmp (a, b, MIN (a_length, b_length));

  if (order != 0)
    return order;
  return a_length < b_length ? -1 : a_length > b_length;
}

static gint
json_compare_members (gconstpointer a,
                      gconstpointer b,
                      gpointer      user_data)
{
  const OuroJsonMember *members = user_data;
  const OuroJsonMember *ma = &members[*(const guint32 *) a];
  const OuroJsonMember *mb = &members[*(const guint32 *) b];
  gint order = json_compare_keys (ma->key, ma->key_length, mb->key, mb->key_length);

  if (order != 0)
    return order;
  /* Equal keys in input order, so a duplicate is named where it repeats. */
  return *(const guint32 *) a < *(const guint32 *) b ? -1 : 1;
}

/* Returns @key for a message: quoted, control characters and quotes
 * escaped, cut after 60 bytes at a character boundary. */
static char *
json_quote_key (const char *key,
                gsize       length)
{
  GString *out = g_string_new ("\"");
  gsize shown = MIN (length, 60);

  /* Keys are valid UTF-8: back up to the start of a character. */
  while (shown < length && shown > 0 && ((guchar) key[shown] & 0xc0) == 0x80)
    shown--;
  for (gsize i = 0; i < shown; i++)
    {
      guchar c = (guchar) key[i];

      if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append (out, shown < length ? "…\"" : "\"");
  return g_string_free (out, FALSE);
}

/* Closes the top frame.  After it (when TRUE): @value is the container,
 * its values moved from pending into the arena, and the frame is popped. */
static gboolean
json_close_container (JsonParser    *parser,
                      OuroJsonValue *value)
{
  JsonFrame *frame = &parser->stack[parser->depth - 1];
  gsize n = parser->pending->len - frame->first_pending;
  /* An empty pending array may have no storage at all. */
  const OuroJsonMember *pending = n > 0 ? &g_array_index (parser->pending, OuroJsonMember,
                                                          frame->first_pending) : NULL;

  memset (value, 0, sizeof *value);
  value->line = frame->line;
  value->column = frame->column;
  value->length = n;

  if (!frame->is_object)
    {
      OuroJsonValue *items = n > 0 ? json_alloc (parser->json, n * sizeof (OuroJsonValue)) : NULL;

      value->type = OURO_JSON_ARRAY;
      for (gsize i = 0; i < n; i++)
        items[i] = pending[i].value;
      value->u.items = items;
    }
  else
    {
      OuroJsonMember *members = n > 0 ? json_alloc (parser->json, n * sizeof (OuroJsonMember)) : NULL;
      guint32 *sorted = n > 0 ? json_alloc (parser->json, n * sizeof (guint32)) : NULL;

      value->type = OURO_JSON_OBJECT;
      if (n > 0)
        memcpy (members, pending, n * sizeof (OuroJsonMember));
      for (gsize i = 0; i < n; i++)
        sorted[i] = (guint32) i;
      if (n > 1)
        g_qsort_with_data (sorted, (gint) n, sizeof (guint32), json_compare_members, members);
      for (gsize i = 1; i < n; i++)
        {
          const OuroJsonMember *first = &members[sorted[i - 1]], *again = &members[sorted[i]];

          if (json_compare_keys (first->key, first->key_length, again->key, again->key_length) == 0)
            {
              char *quoted = json_quote_key (again->key, again->key_length);

              /* Named where the repeated key's value starts. */
              g_set_error (parser->error, OURO_JSON_ERROR, OURO_JSON_ERROR_SYNTAX,
                           "line %u, column %u: duplicate key %s (first at line %u, column %u)",
                           again->value.line, again->value.column, quoted,
                           first->value.line, first->value.column);
              g_free (quoted);
              return FALSE;
            }
        }
      value->u.object.members = members;
      value->u.object.sorted = sorted;
    }

  g_array_set_size (parser->pending, frame->first_pending);
  parser->depth--;
  return TRUE;
}

/* Opens the container at pos ('[' or '{').  After it (when TRUE): a frame
 * is pushed, pos is past the bracket. */
static gboolean
json_open_container (JsonParser *parser)
{
  JsonFrame *frame;

  if (parser->depth == OURO_JSON_MAX_DEPTH)
    return json_fail (parser, parser->pos, OURO_JSON_ERROR_LIMIT,
                      "nesting deeper than %d levels", OURO_JSON_MAX_DEPTH);
  frame = &parser->stack[parser->depth++];
  frame->is_object = parser->data[parser->pos] == '{';
  frame->first_pending = parser->pending->len;
  frame->line = (guint32) MIN (parser->line, G_MAXUINT32);
  frame->column = (guint32) MIN (parser->pos - parser->line_start + 1, G_MAXUINT32);
  frame->key = NULL;
  frame->key_length = 0;
  parser->pos++;
  return TRUE;
}

/* The parse loop.  After it (when TRUE): @root is the whole input's value
 * and nothing but white space follows it. */
static gboolean
json_parse_document (JsonParser    *parser,
                     OuroJsonValue *root)
{
  OuroJsonValue value;

  for (;;)
    {
      /* Expecting a value. */
      json_skip_space (parser);
      if (parser->pos < parser->length
          && (parser->data[parser->pos] == '[' || parser->data[parser->pos] == '{'))
        {
          JsonFrame *frame;
          char close;

          if (!json_open_container (parser))
            return FALSE;
          frame = &parser->stack[parser->depth - 1];
          close = frame->is_object ? '}' : ']';
          json_skip_space (parser);
          if (parser->pos < parser->length && parser->data[parser->pos] == close)
            {
              parser->pos++;
              if (!json_close_container (parser, &value))
                return FALSE;
            }
          else
            {
              if (frame->is_object && !json_parse_key (parser))
                return FALSE;
              continue;
            }
        }
      else
        {
          memset (&value, 0, sizeof value);
          if (!json_parse_scalar (parser, &value))
            return FALSE;
        }

      /* Have a value: hand it to its container, closing containers as
       * their brackets come, until one wants another value. */
      for (;;)
        {
          JsonFrame *frame;
          OuroJsonMember member;

          if (parser->depth == 0)
            {
              *root = value;
              json_skip_space (parser);
              if (parser->pos < parser->length)
                return json_fail_unexpected (parser, "the end of the input after the JSON value");
              return TRUE;
            }

          frame = &parser->stack[parser->depth - 1];
          member.key = frame->key;
          member.key_length = frame->key_length;
          member.value = value;
          g_array_append_val (parser->pending, member);

          json_skip_space (parser);
          if (parser->pos < parser->length && parser->data[parser->pos] == ',')
            {
              parser->pos++;
              if (frame->is_object)
                {
                  json_skip_space (parser);
                  if (!json_parse_key (parser))
                    return FALSE;
                }
              break;
            }
          if (parser->pos < parser->length && parser->data[parser->pos] == (frame->is_object ? '}' : ']'))
            {
              parser->pos++;
              if (!json_close_container (parser, &value))
                return FALSE;
              continue;
            }
          return json_fail_unexpected (parser, frame->is_object ? "',' or '}' in an object"
                                                                : "',' or ']' in an array");
        }
    }
}

/**
 * ouro_json_parse:
 * @data: the input, not necessarily NUL-terminated
 * @length: its length in bytes, at most OURO_JSON_MAX_INPUT
 *
 * Returns: (transfer full): the document, free with ouro_json_free (), or
 *   NULL with @error set
 */
OuroJson *
ouro_json_parse (const char  *data,
                 gsize        length,
                 GError     **error)
{
  JsonParser parser = { 0, };
  OuroJson *json;
  gboolean ok;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length > OURO_JSON_MAX_INPUT)
    {
      g_set_error (error, OURO_JSON_ERROR, OURO_JSON_ERROR_LIMIT,
                   "input of %" G_GSIZE_FORMAT " bytes is larger than the limit, %d MiB",
                   length, OURO_JSON_MAX_INPUT / (1024 * 1024));
      return NULL;
    }

  json = g_new0 (OuroJson, 1);
  json->blocks = g_ptr_array_new_with_free_func (g_free);
  parser.data = (const guchar *) data;
  parser.length = length;
  parser.line = 1;
  parser.json = json;
  parser.pending = g_array_new (FALSE, FALSE, sizeof (OuroJsonMember));
  parser.scratch = g_string_new (NULL);
  parser.error = error;

  ok = json_parse_document (&parser, &json->root);

  g_array_unref (parser.pending);
  g_string_free (parser.scratch, TRUE);
  if (!ok)
    {
      ouro_json_free (json);
      return NULL;
    }
  return json;
}

void
ouro_json_free (OuroJson *json)
{
  if (json == NULL)
    return;
  g_ptr_array_unref (json->blocks);
  g_free (json);
}

const OuroJsonValue *
ouro_json_get_root (const OuroJson *json)
{
  g_return_val_if_fail (json != NULL, NULL);
  return &json->root;
}

OuroJsonType
ouro_json_value_get_type (const OuroJsonValue *value)
{
  g_return_val_if_fail (value != NULL, OURO_JSON_NULL);
  return value->type;
}

guint
ouro_json_value_get_line (const OuroJsonValue *value)
{
  g_return_val_if_fail (value != NULL, 0);
  return value->line;
}

guint
ouro_json_value_get_column (const OuroJsonValue *value)
{
  g_return_val_if_fail (value != NULL, 0);
  return value->column;
}

const char *
ouro_json_type_describe (OuroJsonType type)
{
  switch (type)
    {
    case OURO_JSON_NULL:    return "null";
    case OURO_JSON_BOOLEAN: return "a boolean";
    case OURO_JSON_INTEGER: return "an integer";
    case OURO_JSON_DOUBLE:  return "a number";
    case OURO_JSON_STRING:  return "a string";
    case OURO_JSON_ARRAY:   return "an array";
    case OURO_JSON_OBJECT:  return "an object";
    default:                return "(unknown)";
    }
}

gboolean
ouro_json_value_get_boolean (const OuroJsonValue *value)
{
  g_return_val_if_fail (value != NULL && value->type == OURO_JSON_BOOLEAN, FALSE);
  return value->u.boolean;
}

gint64
ouro_json_value_get_integer (const OuroJsonValue *value)
{
  g_return_val_if_fail (value != NULL && value->type == OURO_JSON_INTEGER, 0);
  return value->u.integer;
}

double
ouro_json_value_get_double (const OuroJsonValue *value)
{
  g_return_val_if_fail (value != NULL, 0.0);
  g_return_val_if_fail (value->type == OURO_JSON_DOUBLE || value->type == OURO_JSON_INTEGER, 0.0);
  return value->type == OURO_JSON_INTEGER ? (double) value->u.integer : value->u.number;
}

const char *
ouro_json_value_get_string (const OuroJsonValue *value,
                            gsize               *out_length)
{
  g_return_val_if_fail (value != NULL && value->type == OURO_JSON_STRING, NULL);
  if (out_length != NULL)
    *out_length = value->length;
  return value->u.string;
}

gsize
ouro_json_array_get_length (const OuroJsonValue *array)
{
  g_return_val_if_fail (array != NULL && array->type == OURO_JSON_ARRAY, 0);
  return array->length;
}

const OuroJsonValue *
ouro_json_array_get (const OuroJsonValue *array,
                     gsize                index)
{
  g_return_val_if_fail (array != NULL && array->type == OURO_JSON_ARRAY, NULL);
  g_return_val_if_fail (index < array->length, NULL);
  return &array->u.items[index];
}

gsize
ouro_json_object_get_size (const OuroJsonValue *object)
{
  g_return_val_if_fail (object != NULL && object->type == OURO_JSON_OBJECT, 0);
  return object->length;
}

const char *
ouro_json_object_get_key (const OuroJsonValue *object,
                          gsize                index,
                          gsize               *out_length)
{
  g_return_val_if_fail (object != NULL && object->type == OURO_JSON_OBJECT, NULL);
  g_return_val_if_fail (index < object->length, NULL);
  if (out_length != NULL)
    *out_length = object->u.object.members[index].key_length;
  return object->u.object.members[index].key;
}

const OuroJsonValue *
ouro_json_object_get_value (const OuroJsonValue *object,
                            gsize                index)
{
  g_return_val_if_fail (object != NULL && object->type == OURO_JSON_OBJECT, NULL);
  g_return_val_if_fail (index < object->length, NULL);
  return &object->u.object.members[index].value;
}

const OuroJsonValue *
ouro_json_object_lookup (const OuroJsonValue *object,
                         const char          *key)
{
  gsize low = 0, high, key_length;

  g_return_val_if_fail (object != NULL && object->type == OURO_JSON_OBJECT, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  key_length = strlen (key);
  high = object->length;
  /* Invariant: the key, if present, is at a sorted position in [low, high). */
  while (low < high)
    {
      gsize middle = low + (high - low) / 2;
      const OuroJsonMember *member = &object->u.object.members[object->u.object.sorted[middle]];
      gint order = json_compare_keys (key, key_length, member->key, member->key_length);

      if (order == 0)
        return &member->value;
      if (order < 0)
        high = middle;
      else
        low = middle + 1;
    }
  return NULL;
}
