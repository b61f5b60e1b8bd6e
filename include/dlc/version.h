#ifndef DLC_VERSION_H
#define DLC_VERSION_H
#define DLC_VERSION "0.1.0"
#endif
