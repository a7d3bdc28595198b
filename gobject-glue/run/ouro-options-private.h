/* ouro-options-private.h — OURO_OPTIONS, the preload module's settings.
 *
 * MT safe: parsing is a pure function of its input.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  OURO_OPTIONS_FORMAT_TEXT,
  OURO_OPTIONS_FORMAT_JSON,
  OURO_OPTIONS_FORMAT_DOT,
} OuroOptionsFormat;

/* When reports are written: bits. */
typedef enum {
  OURO_OPTIONS_REPORT_EXIT   = 1 << 0,
  OURO_OPTIONS_REPORT_SIGNAL = 1 << 1,
} OuroOptionsReport;

/* Whose pointer fields are read for the probable tier; the values of
 * OuroGObjectFieldScope. */
typedef enum {
  OURO_OPTIONS_FIELDS_NONE,
  OURO_OPTIONS_FIELDS_PROGRAM,
  OURO_OPTIONS_FIELDS_ALL,
} OuroOptionsFields;

#define OURO_OPTIONS_MAX_BACKTRACE 64

typedef struct {
  OuroOptionsReport report;          /* default: exit and signal */
  OuroOptionsReport snapshot;        /* when snapshots are written; default: signal (SIGUSR2) */
  char             *snapshot_output; /* default: "ouro-snapshot.%p.%n.json" */
  OuroOptionsFormat format;          /* default: text */
  char             *output;          /* NULL: stderr */
  guint             backtrace;       /* frames per reference site; default 1 */
  gboolean          ledger;          /* default: on */
  gboolean          all_cycles;      /* default: off */
  gboolean          summary;         /* live summary at exit; default: on */
  gboolean          children;        /* preload stays in children's environment; default: off */
  guint             error_exitcode;  /* 0: off */
  gboolean          error_probable;  /* error-exitcode counts probable garbage too; default: off */
  OuroOptionsFields fields;          /* default: program */
} OuroOptions;

/* After it: @options holds the defaults. */
void     ouro_options_init  (OuroOptions *options);
void     ouro_options_clear (OuroOptions *options);

/* After it: every setting @text names is in @options, and @warnings holds
 * one message (owned strings) per unknown key, malformed value or syntax
 * error; those settings keep their previous value.  Returns TRUE when
 * there were no warnings.
 *
 * Syntax: settings "key=value" separated by ':' ',' or white space; a
 * value may be quoted with ' or " to hold separators.  Keys: report
 * (exit | signal | exit+signal | none), format (text | json | dot), output
 * (a path; "%p" is replaced by the process id), backtrace (1..64), ledger,
 * all-cycles, summary, children (yes | no | 1 | 0 | true | false),
 * error-exitcode (0..255), error-on (garbage | probable: what
 * error-exitcode counts), fields (program | all | none), snapshot (as
 * report: when snapshots are written, SIGUSR2 being the signal),
 * snapshot-output (a path; "%p" the process id, "%n" the snapshot's
 * number, "exit" for the one at exit). */
gboolean ouro_options_parse (OuroOptions *options,
                             const char  *text,
                             GPtrArray   *warnings);

/* The keys, for messages and --help: "report, format, ...". */
const char *ouro_options_known_keys (void);

G_END_DECLS
