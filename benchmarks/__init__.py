"""Speed benchmarks: generated gradients vs hand-written NumPy, the tape, and peers."""
