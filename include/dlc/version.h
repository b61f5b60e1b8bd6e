/* dlc's version: what the tools print, dlc_version() returns and the CMake
 * package and dlc.pc carry (configuring checks it against project(VERSION)).
 * The major number is libdlc's SONAME (libdlc.so.MAJOR): it changes when
 * include/dlc/dlc.h changes incompatibly. */
#ifndef DLC_VERSION_H
#define DLC_VERSION_H
#define DLC_VERSION_MAJOR 0
#define DLC_VERSION_MINOR 1
#define DLC_VERSION_PATCH 0
#define DLC_VERSION "0.1.0"
#endif
