/* Walking the members of a JSON object given as text. */
#ifndef RS_JSON_MEMBERS_H
#define RS_JSON_MEMBERS_H

#include <stdbool.h>
#include <stddef.h>

typedef void (*rs_json_member_fn)(void *ctx, const char *key, size_t klen, const char *json,
				  size_t len);
/* Calls fn for each member of a JSON object (or, with fragment, of members
 * text "k":v,...), values as canonical JSON. Nonzero when it is not JSON. */
int rs_json_each_member(const char *json, size_t len, bool fragment, rs_json_member_fn fn, void *ctx);

#endif
