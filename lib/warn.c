#include "warn.h"

#include <stdarg.h>
#include <stdio.h>

int rs_quiet;

void rs_warn(const char *fmt, ...)
{
	if (rs_quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("rustscope: warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
