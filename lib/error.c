#include "error.h"

#include <stdio.h>
#include <string.h>

int rs_vfail(rs_err *err, int code, const char *fmt, va_list ap)
{
	if (err && err->code == 0) {
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	}
	return err ? err->code : code;
}

int rs_fail(rs_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = rs_vfail(err, code, fmt, ap);
	va_end(ap);
	return r;
}

void rs_err_prefix(rs_err *err, const char *fmt, ...)
{
	char pre[512], old[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	size_t n = strlen(pre);
	if (n >= sizeof err->msg)
		n = sizeof err->msg - 1;
	memcpy(err->msg, pre, n);
	size_t rest = strnlen(old, sizeof old - 1);
	if (rest > sizeof err->msg - 1 - n)
		rest = sizeof err->msg - 1 - n;
	memcpy(err->msg + n, old, rest);
	err->msg[n + rest] = 0;
}
