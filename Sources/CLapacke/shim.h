#include <lapacke.h>
#include <cblas.h>
