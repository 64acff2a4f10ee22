/* Minimal unit-test reporting: PASS/FAIL lines counted by tests/run.sh. */
#ifndef RS_UNIT_H
#define RS_UNIT_H

#include <stdio.h>

static int unit_failures;

#define CHECK(name, cond)                                                                      \
	do {                                                                                   \
		if (cond) {                                                                    \
			printf("PASS: %s\n", name);                                            \
		} else {                                                                       \
			printf("FAIL: %s: %s (%s:%d)\n", name, #cond, __FILE__, __LINE__);     \
			unit_failures++;                                                       \
		}                                                                              \
	} while (0)

#endif
