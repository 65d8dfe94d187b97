def dmlp_loss_dW1_W2(W1, b1, W2, b2, X, labels, bmlp_loss=1.0):
    t0 = X @ W1
    t1 = t0 + b1
    h = np.tanh(t1)
    t2 = h @ W2
    logits = t2 + b2
    t3 = np.max(logits, axis=1, keepdims=True)
    shifted = logits - t3
    t4 = np.exp(shifted)
    t5 = np.sum(t4, axis=1, keepdims=True)
    t6 = np.log(t5)
    logp = shifted - t6
    t7 = (np.arange(X.shape[0]), labels)
    t8 = logp[t7]
    t9 = np.mean(t8)
    mlp_loss = -t9
    bt9 = -bmlp_loss
    bt8 = expand_reduced(bt9, t8, None, False) / reduced_size(t8, None)
    blogp = unindex(bt8, logp, t7)
    bt6 = unbroadcast(-blogp, t6)
    bt5 = bt6 / t5
    bt4 = expand_reduced(bt5, t4, 1, True)
    bshifted = blogp + bt4 * t4
    bt3 = unbroadcast(-bshifted, t3)
    blogits = bshifted + expand_reduced(bt3, logits, 1, True) * max_mask(logits, t3, 1, True)
    bt2 = unbroadcast(blogits, t2)
    bh = grad_matmul_lhs(bt2, h, W2)
    bW2 = grad_matmul_rhs(bt2, h, W2)
    bt1 = bh * (1 - h * h)
    bt0 = unbroadcast(bt1, t0)
    bW1 = grad_matmul_rhs(bt0, X, W1)
    return mlp_loss, (bW1, bW2)
