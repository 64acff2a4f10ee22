/* Limits against hostile input (decompression bombs, absurd counts, deep
 * nesting). One process-wide set, configured from the command line
 * (--max-* options, see README.md) before any input is read. */
#ifndef RS_LIMITS_H
#define RS_LIMITS_H

#include <stdint.h>

typedef struct rs_limits {
	uint64_t max_input_bytes;    /* decompressed size of one input */
	uint64_t max_elements;       /* elements of any one array / table */
	uint32_t max_depth;          /* JSON nesting depth, stack depth */
	uint64_t max_string_bytes;   /* one string */
} rs_limits;

extern rs_limits rs_limits_cur;

#define RS_LIMIT_INPUT_DEFAULT (4ULL << 30)
#define RS_LIMIT_ELEMENTS_DEFAULT 200000000ULL
#define RS_LIMIT_DEPTH_DEFAULT 1024
#define RS_LIMIT_DEPTH_MAX 100000u /* deeper would overflow the parsers' stacks */
#define RS_LIMIT_STRING_DEFAULT (64ULL << 20)

#endif
