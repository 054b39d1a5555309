"""The multiclass training of the demos against PyTorch: the same MLP, data, initial weights and minibatch order
trained by ``torch.optim.Adam`` on ``F.cross_entropy`` gives the same losses, weights and test predictions."""

import random

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

from demos import _multiclass as multiclass  # noqa: E402
from demos import digits  # noqa: E402
from nn import MLP, minibatches  # noqa: E402

EPOCHS, BATCH_SIZE, LR, SEED = 3, 16, 0.01, 5


def torch_training(net, examples, train, val):
    """The loop of ``multiclass.train`` written in torch: per-epoch mean training loss, validation loss, and the
    weights (state_dict copies) after each epoch."""
    inputs = torch.tensor([x for x, _ in examples], dtype=torch.float64)
    labels = torch.tensor([y for _, y in examples])
    optimizer = torch.optim.Adam(net.parameters(), lr=LR)
    batch_rng = random.Random(SEED)
    train_losses, val_losses, states = [], [], []
    for _ in range(EPOCHS):
        total = 0.0
        for batch in minibatches(list(train), BATCH_SIZE, rng=batch_rng):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(inputs[batch]), labels[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        train_losses.append(total / len(train))
        with torch.no_grad():
            val_losses.append(torch.nn.functional.cross_entropy(net(inputs[val]), labels[val]).item())
        states.append({k: v.clone() for k, v in net.state_dict().items()})
    return train_losses, val_losses, states


def test_digits_training_equals_torch_adam_loss_after_each_epoch_and_test_accuracy():
    examples = digits.load(200)
    train, val, test = multiclass.split(len(examples), (0.2, 0.2), seed=SEED)
    model = MLP(64, [32, 10], activation="tanh", init="xavier", seed=SEED)
    net = model.to_torch()  # the same initial weights
    run = multiclass.train(
        model,
        examples,
        train,
        val,
        classes=10,
        epochs=EPOCHS,
        batch_size=BATCH_SIZE,
        lr=LR,
        patience=EPOCHS,
        seed=SEED,
        backend=multiclass.DEFAULT_BACKEND,
        quiet=True,
    )
    train_losses, val_losses, states = torch_training(net, examples, train, val)

    assert run.train_losses[0] == pytest.approx(train_losses[0], abs=1e-9)  # the loss after the first epoch
    assert run.train_losses == pytest.approx(train_losses, abs=1e-9)
    assert run.val_losses == pytest.approx(val_losses, abs=1e-9)

    # both keep the weights of the epoch with the lowest validation loss; then the test set, once
    best = min(range(EPOCHS), key=val_losses.__getitem__)
    assert run.best_epoch == best + 1
    net.load_state_dict(states[best])
    test_inputs = [examples[i][0] for i in test]
    test_labels = [examples[i][1] for i in test]
    with torch.no_grad():
        torch_predictions = net(torch.tensor(test_inputs, dtype=torch.float64)).argmax(dim=1).tolist()
    ours = multiclass.predict(multiclass.scores(model, test_inputs))
    assert ours == torch_predictions
    ours_accuracy = sum(p == y for p, y in zip(ours, test_labels)) / len(test)
    torch_accuracy = sum(p == y for p, y in zip(torch_predictions, test_labels)) / len(test)
    assert ours_accuracy == torch_accuracy > 0.5
    weights = MLP.from_torch(net).parameters()
    assert [p.data for p in model.parameters()] == pytest.approx([p.data for p in weights], abs=1e-9)
