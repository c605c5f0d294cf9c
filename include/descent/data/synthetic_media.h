#pragma once
// Small synthetic image and audio class folders written to disk, for examples, tests and trying
// ImageFolder/AudioFolder without downloading anything (tools/make_sample_data_media writes them
// from the command line). Everything is drawn from SampleRng(seed, class, index), so the same seed
// writes the same files (up to the platform's sin/cos in the last bit before quantisation).
#include <cstdint>
#include <string>

namespace descent::data::synthetic {

/// root/{circle,square,triangle}/NNN.png|jpg: per_class RGB images of size x size pixels, a filled
/// shape of random colour, position and size on a random darker background with a little noise;
/// even indices are PNG, odd ones JPEG (quality 90). Each class folder also gets a README.txt that
/// ImageFolder skips (and counts).
void write_image_folder(const std::string& root, int64_t per_class = 20, uint64_t seed = 0, int64_t size = 32);

/// root/{high,low,noise}/NNN.wav|flac: per_class mono clips at sample_rate of 0.8 to 1.2 x `seconds`:
/// "low" a 150-400 Hz tone with its second harmonic, "high" a 1.5-3 kHz tone, "noise" white noise,
/// each with a random level, 10 ms fades and a little background noise. Every fourth clip is FLAC,
/// the rest 16-bit WAV. Each class folder also gets a README.txt that AudioFolder skips (and counts).
void write_audio_folder(const std::string& root, int64_t per_class = 20, uint64_t seed = 0,
                        int64_t sample_rate = 16000, double seconds = 0.5);

/// Both in root: images/ and audio/ (root is created).
void write_image_and_audio_samples(const std::string& root, uint64_t seed = 0);

}  // namespace descent::data::synthetic
