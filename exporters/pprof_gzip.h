/* A gzip writer that deflates on worker threads (pigz-style): the stream
 * is cut into chunks, each deflated on its own and ended with a sync flush
 * (byte-aligned, not final), so the chunks concatenate into one ordinary
 * gzip member that every reader accepts; the CRC is combined in order.
 * Used by exporters/pprof.c: deflating a big profile is most of its time. */
#ifndef RS_PPROF_GZIP_H
#define RS_PPROF_GZIP_H

#include "../lib/output.h"

#include <stddef.h>

typedef struct rs_pgz rs_pgz;

/* level is a zlib level; writes go to out (errors stay sticky there). */
rs_pgz *rs_pgz_open(rs_output *out, int level);
void rs_pgz_write(rs_pgz *z, const void *p, size_t n);
/* Ends the stream and frees z; 0, or -1 when zlib failed. */
int rs_pgz_close(rs_pgz *z);

#endif
