/* ouro-leak-check.h — loop-and-collect leak tests.
 *
 * Part of the public API: include <ouro.h>, not this file.
 * A check runs a scenario on the calling thread and iterates the default
 * main context; one check object must not be used by two threads at once.
 */
#pragma once

#if !defined(OURO_INSIDE) && !defined(OURO_COMPILATION)
# error "Only <ouro.h> can be included directly."
#endif

#include "ouro-types.h"
#include "ouro-report.h"

G_BEGIN_DECLS

typedef void (*OuroScenarioFunc) (gpointer user_data);

OURO_AVAILABLE_IN_ALL
gboolean ouro_check_leaks (OuroScenarioFunc scenario,
                           gpointer         user_data,
                           guint            iterations,
                           char           **out_report);

/* Additions to the contract: the options behind ouro_check_leaks (). */
typedef struct _OuroLeakCheck OuroLeakCheck;

OURO_AVAILABLE_IN_ALL
OuroLeakCheck *ouro_leak_check_new                  (void);
OURO_AVAILABLE_IN_ALL
void           ouro_leak_check_free                 (OuroLeakCheck *check);
OURO_AVAILABLE_IN_ALL
void           ouro_leak_check_set_warmup           (OuroLeakCheck *check,
                                                     guint          runs);
OURO_AVAILABLE_IN_ALL
void           ouro_leak_check_set_growth_threshold (OuroLeakCheck *check,
                                                     double         per_iteration);
OURO_AVAILABLE_IN_ALL
void           ouro_leak_check_set_settle_limit     (OuroLeakCheck *check,
                                                     guint          max_iterations);
OURO_AVAILABLE_IN_ALL
void           ouro_leak_check_ignore_type          (OuroLeakCheck *check,
                                                     const char    *type_name);
OURO_AVAILABLE_IN_ALL
void           ouro_leak_check_suppress_cycle       (OuroLeakCheck *check,
                                                     const char    *fingerprint);
OURO_AVAILABLE_IN_ALL
void           ouro_leak_check_set_fail_on_probable (OuroLeakCheck *check,
                                                     gboolean       fail);
OURO_AVAILABLE_IN_ALL
gboolean       ouro_leak_check_load_suppressions    (OuroLeakCheck *check,
                                                     const char    *path,
                                                     GError       **error);
OURO_AVAILABLE_IN_ALL
gboolean       ouro_leak_check_run                  (OuroLeakCheck   *check,
                                                     OuroScenarioFunc scenario,
                                                     gpointer         user_data,
                                                     guint            iterations,
                                                     char           **out_report);

OURO_AVAILABLE_IN_ALL
char          *ouro_report_get_cycle_fingerprint    (OuroReport *report,
                                                     guint       cycle);

/* For ouro_assert_no_leaks (): marks the running GTest test failed with
 * the report, and lets the other tests of the binary run. */
OURO_AVAILABLE_IN_ALL
void           ouro_test_fail_leaks                 (const char *file,
                                                     int         line,
                                                     const char *function,
                                                     const char *scenario,
                                                     const char *report);

/**
 * ouro_assert_no_leaks:
 * @scenario: an #OuroScenarioFunc
 * @user_data: its data
 * @iterations: how many measured runs
 *
 * In a GTest test: runs ouro_check_leaks () and, when it finds a leak,
 * fails the test with the report, the file and the line; the other tests
 * of the binary still run.  Suppressions come from the file named by
 * $OURO_SUPPRESSIONS, when set.
 */
#define ouro_assert_no_leaks(scenario, user_data, iterations)                  \
  G_STMT_START {                                                               \
    char *ouro_assert_report_ = NULL;                                          \
    if (!ouro_check_leaks ((scenario), (user_data), (iterations),              \
                           &ouro_assert_report_))                              \
      ouro_test_fail_leaks (__FILE__, __LINE__, G_STRFUNC, #scenario,          \
                            ouro_assert_report_);                              \
    g_free (ouro_assert_report_);                                              \
  } G_STMT_END

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OuroLeakCheck, ouro_leak_check_free)

G_END_DECLS
