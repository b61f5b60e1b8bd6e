/* The index of the largest of v[0..n) (the first, on ties). */
int top1(const float *v, int n);
