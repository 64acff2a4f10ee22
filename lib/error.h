/* Errors are values: a function that can fail returns an exit code (0 = ok)
 * and fills an rs_err; only the top level (convert/main.c) prints it. */
#ifndef RS_ERROR_H
#define RS_ERROR_H

#include <stdarg.h>

/* Exit codes, stable and documented in README.md (DESIGN.md section 4). */
enum {
	RS_OK = 0,
	RS_EFIDELITY = 1, /* regression or fidelity failure found */
	RS_EUSAGE = 2,    /* usage error */
	RS_EINPUT = 3,    /* invalid input */
	RS_EIO = 4,       /* I/O or system error */
	RS_EBATCH = 5,    /* batch finished with some files failed */
};

typedef struct rs_err {
	int code;
	char msg[1024];
} rs_err;

/* Sets err (first failure wins) and returns its code, so callers can write
 * `return rs_fail(err, RS_EINPUT, "...")`. */
int rs_fail(rs_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int rs_vfail(rs_err *err, int code, const char *fmt, va_list ap);

/* Prefixes an existing message, e.g. with the file name. */
void rs_err_prefix(rs_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
