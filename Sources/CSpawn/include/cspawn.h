#ifndef CMANIFOLD_SPAWN_H
#define CMANIFOLD_SPAWN_H

#include <spawn.h>

/* posix_spawn_file_actions_addclosefrom_np is declared only under _GNU_SOURCE, which
   the Swift Glibc module does not define; spawn.c defines it and forwards here. */
int cmanifold_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);

#endif
