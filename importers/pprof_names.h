/* Names shared by importers/pprof.c and exporters/pprof.c (docs/pprof.md):
 * the comment that carries a session written by rustscope, and the
 * synthetic sample labels for what pprof has no field for. */
#ifndef RS_PPROF_NAMES_H
#define RS_PPROF_NAMES_H

#define PP_OWN_PREFIX "rustscope:v1 "
#define PP_L_THREAD "thread"
#define PP_L_TID "thread_id"
#define PP_L_PID "pid"
#define PP_L_THREAD_INDEX "rustscope_thread"
#define PP_L_TIME "time_ns"

#endif
