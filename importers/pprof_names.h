/* Names shared by importers/pprof.c and exporters/pprof.c (docs/pprof.md):
 * the Profile field that carries a session written by rustscope, and the
 * synthetic sample labels for what pprof has no field for. */
#ifndef RS_PPROF_NAMES_H
#define RS_PPROF_NAMES_H

#define PP_OWN_PREFIX "rustscope:v1 "
/* A field profile.proto does not define (protobuf readers skip it, and
 * pprof prints no header line for it): "rustscope:v1 columns=... {JSON}".
 * Files of rustscope before 0.2 have the same text as a comment. */
#define PP_SESSION_FIELD 1000
#define PP_L_THREAD "thread"
#define PP_L_TID "thread_id"
#define PP_L_PID "pid"
#define PP_L_THREAD_INDEX "rustscope_thread"
#define PP_L_TIME "time_ns"

#endif
