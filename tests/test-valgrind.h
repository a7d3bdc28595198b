/* test-valgrind.h — RUNNING_ON_VALGRIND, 0 when valgrind's headers are
 * not installed: for the tests that leave out what memcheck would
 * report by design (reads of uninitialised or freed memory the code
 * under test survives on purpose). */
#pragma once

#if defined(__has_include)
# if __has_include(<valgrind/valgrind.h>)
#  include <valgrind/valgrind.h>
# endif
#endif
#ifndef RUNNING_ON_VALGRIND
# define RUNNING_ON_VALGRIND 0
#endif
