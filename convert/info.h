/* rustscope info's reports beyond the summary (builtin-info.c). */
#ifndef RS_CONVERT_INFO_H
#define RS_CONVERT_INFO_H

#include "../lib/error.h"
#include "../schema/session.h"

#include <stdbool.h>
#include <stddef.h>

/* --leaks (info_leaks.c): the in-use memory of a heap profile by stack,
 * crate and module, largest first; RS_EINPUT when s is no heap profile. */
int rs_info_leaks(rs_session *s, const char *path, bool json, size_t top, rs_err *err);

#endif
