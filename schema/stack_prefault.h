/* Inside the session tables only: the stack table grows (its arrays move)
 * under the prefaulting thread's lock, if there is such a thread. */
#ifndef RS_STACK_PREFAULT_H
#define RS_STACK_PREFAULT_H

#include "session.h"

void rs_stack_grow_lock(rs_session *s);
void rs_stack_grow_unlock(rs_session *s);

#endif
