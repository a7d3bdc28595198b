/* ouro.h — the one public header of libouro, the core cycle detector.
 *
 * Ouro finds the reference cycles that leak memory in refcounted C object
 * systems.  A system is described by an OuroClass (how to read a refcount,
 * how to visit the strong references an object holds); objects are tracked
 * in one process-wide registry; ouro_scan() finds garbage cycles by trial
 * deletion and explains them.
 *
 * Include only this header; the others it pulls in refuse to be included
 * on their own.
 */
#pragma once

#define OURO_INSIDE
# include "ouro-types.h"
# include "ouro-registry.h"
# include "ouro-fork.h"
# include "ouro-scan.h"
# include "ouro-report.h"
# include "ouro-snapshot.h"
# include "ouro-leak-check.h"
#undef OURO_INSIDE
