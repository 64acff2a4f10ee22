/* A lock-free ring of variable-size records between one producer thread
 * and one consumer thread (C11 atomics, no locks, no syscalls): the
 * producer never waits; a record that does not fit is refused and the
 * caller counts it as lost. Records are stored whole, never wrapped. */
#ifndef RS_SPSC_H
#define RS_SPSC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rs_spsc {
	unsigned char *buf;
	size_t cap;                 /* a power of two */
	_Alignas(64) _Atomic uint64_t head; /* written by the producer */
	_Alignas(64) _Atomic uint64_t tail; /* written by the consumer */
} rs_spsc;

/* cap is rounded up to a power of two, at least 4 KiB. */
void rs_spsc_init(rs_spsc *q, size_t cap);
void rs_spsc_free(rs_spsc *q);
/* Producer: copies n bytes in; false when there is no room. */
bool rs_spsc_push(rs_spsc *q, const void *rec, size_t n);
/* Consumer: the oldest record (NULL when empty), valid until rs_spsc_pop. */
const void *rs_spsc_peek(rs_spsc *q, size_t *n);
void rs_spsc_pop(rs_spsc *q);

#endif
