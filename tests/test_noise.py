import pytest
import torch

from skae.noise import GaussianNoise, MaskingNoise, SaltAndPepperNoise


@pytest.fixture
def batch():
    return torch.full((2000, 5), 0.5)


def test_gaussian_noise_has_its_standard_deviation(batch, seed):
    torch.manual_seed(seed)
    noisy = GaussianNoise(0.3)(batch)
    assert abs(float((noisy - batch).std()) - 0.3) < 0.01
    assert abs(float((noisy - batch).mean())) < 0.01


def test_clip_keeps_values_in_the_training_range(batch, seed):
    torch.manual_seed(seed)
    low, high = torch.tensor([0.0, 0.2, 0.4, 0.0, 0.0]), torch.ones(5)
    noisy = GaussianNoise(1.0, low=low, high=high, clip=True)(batch)
    assert (noisy >= low).all() and (noisy <= high).all()
    assert (noisy[:, 2] == 0.4).any()


def test_clip_needs_a_range():
    with pytest.raises(ValueError, match="clip=True needs the data's range"):
        GaussianNoise(0.1, clip=True)


def test_masking_zeroes_the_given_share(batch, seed):
    torch.manual_seed(seed)
    noisy = MaskingNoise(0.3)(batch)
    assert set(noisy.unique().tolist()) == {0.0, 0.5}
    assert abs(float((noisy == 0).float().mean()) - 0.3) < 0.02


def test_salt_and_pepper_writes_column_extremes(batch, seed):
    torch.manual_seed(seed)
    low, high = torch.arange(5.0) - 10, torch.arange(5.0) + 10
    noisy = SaltAndPepperNoise(0.4, low=low, high=high)(batch)
    pepper, salt = noisy == low, noisy == high
    assert abs(float(pepper.float().mean()) - 0.2) < 0.02
    assert abs(float(salt.float().mean()) - 0.2) < 0.02
    assert ((noisy == 0.5) | pepper | salt).all()


def test_salt_and_pepper_works_on_image_shaped_batches(seed):
    torch.manual_seed(seed)
    images = torch.full((8, 1, 4, 4), 0.5)
    noise = SaltAndPepperNoise(0.5, low=torch.zeros(1, 4, 4), high=torch.ones(1, 4, 4))
    assert noise(images).shape == images.shape


@pytest.mark.parametrize("noise", [
    GaussianNoise(0.5),
    MaskingNoise(0.5),
    SaltAndPepperNoise(0.5, low=torch.zeros(5), high=torch.ones(5)),
])
def test_noise_only_in_training_mode_and_fresh_each_call(noise, batch, seed):
    torch.manual_seed(seed)
    assert not torch.equal(noise(batch), noise(batch))
    noise.eval()
    assert torch.equal(noise(batch), batch)
    noise.train()


def test_zero_level_is_the_identity(batch):
    assert torch.equal(GaussianNoise(0.0)(batch), batch)


def test_buffers_follow_the_module():
    noise = SaltAndPepperNoise(0.1, low=torch.zeros(3), high=torch.ones(3))
    assert set(dict(noise.named_buffers())) == {"low", "high"}
    assert noise.to(torch.float64).low.dtype == torch.float64
