"""What generated adjoint code and the tape need at run time."""
