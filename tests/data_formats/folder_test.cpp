// ImageFolder and AudioFolder on generated folder trees: class order, extension matching, skipped
// files, decoding on get(), transforms, loaders, and the errors for bad trees, bad files and
// differently sized samples.
#include "descent/data/data.h"
#include "formats_test_util.h"

using namespace descent;
using namespace descent::data;
using namespace formats_test;

namespace {

Tensor solid(int64_t h, int64_t w, uint8_t v) { return full({h, w, 3}, int64_t(v), kUInt8); }

// A tree with classes written out of order, mixed-case extensions, a nested folder and clutter.
void write_tree(const TempDir& dir) {
  const std::string r = dir.str();
  std::filesystem::create_directories(r + "/zebra/nested");
  std::filesystem::create_directories(r + "/apple");
  std::filesystem::create_directories(r + "/mango");
  write_png(r + "/zebra/b.png", solid(4, 6, 10));
  write_png(r + "/zebra/nested/a.PNG", solid(4, 6, 20));
  write_jpeg(r + "/zebra/c.JPEG", solid(4, 6, 30));
  write_jpeg(r + "/apple/x.jpg", solid(4, 6, 40));
  write_png(r + "/mango/y.png", solid(4, 6, 50));
  write_png(r + "/mango/z.Jpg", solid(4, 6, 60));  // a PNG named .Jpg: the bytes decide
  write_bytes(r + "/mango/notes.txt", "not an image");
  write_bytes(r + "/mango/.hidden.png", "hidden");
  write_bytes(r + "/apple/thumbs.db", "junk");
  write_png(r + "/root_level.png", solid(2, 2, 0));  // not in a class folder: ignored
}

}  // namespace

TEST(ImageFolder, ClassesFilesAndSkips) {
  TempDir dir;
  write_tree(dir);
  ImageFolder ds(dir.str());
  EXPECT_EQ(ds.classes(), (std::vector<std::string>{"apple", "mango", "zebra"}));
  EXPECT_EQ(ds.class_index("zebra"), 2);
  expect_error([&] { ds.class_index("kiwi"); }, {"kiwi", "apple, mango, zebra"});
  ASSERT_EQ(ds.size(), 6);
  EXPECT_EQ(ds.targets(), (std::vector<int64_t>{0, 1, 1, 2, 2, 2}));
  EXPECT_EQ(ds.num_skipped(), 3);
  EXPECT_EQ(ds.skipped_files().size(), 3u);
  // Sorted paths within a class.
  EXPECT_NE(ds.paths()[3].find("zebra/b.png"), std::string::npos);
  EXPECT_NE(ds.paths()[4].find("zebra/c.JPEG"), std::string::npos);
  EXPECT_NE(ds.paths()[5].find("zebra/nested/a.PNG"), std::string::npos);
  const std::vector<int> values = {40, 50, 60, 10, 30, 20};
  for (int64_t i = 0; i < ds.size(); ++i) {
    const Example e = ds.get(i);
    EXPECT_EQ(e.data.sizes(), (Shape{4, 6, 3}));
    EXPECT_EQ(e.data.dtype(), kUInt8);
    EXPECT_EQ(e.target.dim(), 0);
    EXPECT_EQ(e.target.dtype(), kInt64);
    EXPECT_EQ(e.target.to_vector<int64_t>()[0], ds.targets()[size_t(i)]);
    EXPECT_NEAR(double(e.data.to_vector<uint8_t>()[0]), values[size_t(i)], 2) << ds.paths()[size_t(i)];
  }
  // Other channel counts and extension lists.
  EXPECT_EQ(ImageFolder(dir.str(), ImageFolderOptions().channels(1)).get(0).data.sizes(), (Shape{4, 6, 1}));
  EXPECT_EQ(ImageFolder(dir.str(), ImageFolderOptions().channels(0)).get(1).data.sizes(), (Shape{4, 6, 3}));
  ImageFolder only_png(dir.str(), ImageFolderOptions().extensions({"png"}).allow_empty(true));
  EXPECT_EQ(only_png.size(), 3);  // y.png, b.png, a.PNG (apple is empty)
  EXPECT_EQ(only_png.classes().size(), 3u);
  expect_error([&] { ImageFolder(dir.str(), ImageFolderOptions().extensions({".png"})); },
               {"ImageFolder", "apple", "hold no files", "allow_empty"});
  expect_error([&] { ImageFolder(dir.str(), ImageFolderOptions().channels(5)); }, {"channels", "5"});
  expect_error([&] { ds.get(6); }, {"ImageFolder", "6"});
}

TEST(ImageFolder, BadTrees) {
  TempDir dir;
  expect_error([&] { ImageFolder(dir.file("nope")); }, {"nope", "no such folder"});
  write_bytes(dir.file("file"), "x");
  expect_error([&] { ImageFolder(dir.file("file")); }, {"not a folder"});
  std::filesystem::create_directories(dir.file("empty"));
  expect_error([&] { ImageFolder(dir.file("empty")); }, {"no class folders"});
  std::filesystem::create_directories(dir.file("textonly/a"));
  write_bytes(dir.file("textonly/a/readme.md"), "x");
  expect_error([&] { ImageFolder(dir.file("textonly")); }, {"no files with extensions .png, .jpg, .jpeg", "1 other"});
}

TEST(ImageFolder, BrokenImageErrorsNameTheFileThroughTheLoader) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("a"));
  for (int i = 0; i < 5; ++i) write_png(dir.file("a/" + std::to_string(i) + ".png"), solid(3, 3, uint8_t(i)));
  const std::string good = read_bytes(dir.file("a/2.png"));
  write_bytes(dir.file("a/2.png"), good.substr(0, good.size() / 2));
  auto ds = std::make_shared<ImageFolder>(dir.str());
  expect_error([&] { ds->get(2); }, {"2.png", "truncated"});
  for (int workers : {0, 2}) {
    DataLoader loader(ds, DataLoaderOptions().batch_size(2).num_workers(workers));
    expect_error(
        [&] {
          for (auto& b : loader) (void)b;
        },
        {"2.png"});
  }
}

TEST(ImageFolder, DifferentSizesNeedAResize) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("a"));
  std::filesystem::create_directories(dir.file("b"));
  write_png(dir.file("a/0.png"), solid(8, 10, 1));
  write_png(dir.file("a/1.png"), solid(12, 6, 2));
  write_jpeg(dir.file("b/0.jpg"), solid(16, 16, 3));
  auto raw = std::make_shared<ImageFolder>(dir.str());
  DataLoader bad(raw, DataLoaderOptions().batch_size(3));
  expect_error(
      [&] {
        for (auto& b : bad) (void)b;
      },
      {"[12, 6, 3]", "[8, 10, 3]", "Resize"});
  // With a transform that makes one size, batches stack.
  auto ds = std::make_shared<ImageFolder>(
      dir.str(), ImageFolderOptions().transform(Compose({Resize(8, 8), ToTensor()})));
  DataLoader loader(ds, DataLoaderOptions().batch_size(3));
  int batches = 0;
  for (auto& b : loader) {
    EXPECT_EQ(b.data.sizes(), (Shape{3, 3, 8, 8}));
    EXPECT_EQ(b.data.dtype(), kFloat32);
    EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 1}));
    ++batches;
  }
  EXPECT_EQ(batches, 1);
  // A transform failure names the file.
  ImageFolder crop(dir.str(), ImageFolderOptions().transform(Normalize({0.5}, {0.5})));
  expect_error([&] { crop.get(0); }, {"0.png", "[8, 10, 3]"});
}

TEST(ImageFolder, SyntheticSamplesSplitAndLoad) {
  TempDir dir;
  synthetic::write_image_folder(dir.str(), 10, 3, 16);
  auto ds = std::make_shared<ImageFolder>(dir.str(), ImageFolderOptions().transform(ToTensor()));
  EXPECT_EQ(ds->classes(), (std::vector<std::string>{"circle", "square", "triangle"}));
  EXPECT_EQ(ds->size(), 30);
  EXPECT_EQ(ds->num_skipped(), 3);  // the README.txt files
  // A stratified 70/20/10 split from the labels, without decoding anything.
  const auto parts = stratified_split_indices(ds->targets(), {0.7, 0.2, 0.1}, 1);
  EXPECT_EQ(parts[0].size() + parts[1].size() + parts[2].size(), 30u);
  EXPECT_EQ(parts[0].size(), 21u);
  DataLoader loader(std::make_shared<Subset>(ds, parts[0]), DataLoaderOptions().batch_size(8).num_workers(2));
  int64_t seen = 0;
  for (auto& b : loader) {
    EXPECT_EQ(b.data.size(1), 3);
    EXPECT_EQ(b.data.size(2), 16);
    seen += b.size();
  }
  EXPECT_EQ(seen, 21);
  // The same seed writes the same pixels.
  TempDir again;
  synthetic::write_image_folder(again.str(), 10, 3, 16);
  EXPECT_EQ(read_bytes(dir.file("square/004.png")), read_bytes(again.file("square/004.png")));
  EXPECT_EQ(read_bytes(dir.file("circle/003.jpg")), read_bytes(again.file("circle/003.jpg")));
  // Shapes differ between classes: a circle's corner pixels are background.
  const Tensor circle = read_image(dir.file("circle/000.png"));
  EXPECT_EQ(circle.sizes(), (Shape{16, 16, 3}));
}

// ---- AudioFolder ----

TEST(AudioFolder, ClassesFeaturesAndLoader) {
  TempDir dir;
  synthetic::write_audio_folder(dir.str(), 6, 2, 16000, 0.25);
  write_bytes(dir.file("low/cover.png"), "x");
  AudioFolder raw(dir.str());
  EXPECT_EQ(raw.classes(), (std::vector<std::string>{"high", "low", "noise"}));
  EXPECT_EQ(raw.size(), 18);
  EXPECT_EQ(raw.num_skipped(), 4);  // 3 README.txt + cover.png
  const Example e = raw.get(0);
  EXPECT_EQ(e.data.dim(), 2);
  EXPECT_EQ(e.data.size(0), 1);
  EXPECT_GE(e.data.size(1), 3200);  // 0.8 x 0.25 s at 16 kHz
  EXPECT_LE(e.data.size(1), 4800);
  EXPECT_EQ(e.target.to_vector<int64_t>()[0], 0);
  EXPECT_NE(raw.paths()[3].find("003.flac"), std::string::npos);
  // Fixed length, resampled, as log-mel features: batches stack and match for any worker count.
  const MelSpectrogram mel(MelSpectrogramOptions().sample_rate(8000).n_fft(256).n_mels(20));
  const Compose log_mel({mel, AmplitudeToDB(SpectrumType::Power, 80.0)});
  auto ds = std::make_shared<AudioFolder>(
      dir.str(), AudioFolderOptions().sample_rate(8000).num_samples(2000).random_crop(true).transform(log_mel));
  std::vector<std::vector<float>> runs;
  for (int workers : {0, 2}) {
    DataLoader loader(ds, DataLoaderOptions().batch_size(6).shuffle(true).seed(9).num_workers(workers));
    std::vector<float> all;
    for (auto& b : loader) {
      EXPECT_EQ(b.data.sizes(), (Shape{6, 1, 20, 16}));
      const auto v = b.data.to_vector<float>();
      all.insert(all.end(), v.begin(), v.end());
    }
    runs.push_back(all);
  }
  EXPECT_EQ(runs[0], runs[1]);
  // MFCC features of the synthetic classes differ: high tones have more energy in upper mel bands.
  AudioFolder mfccs(dir.str(), AudioFolderOptions().num_samples(4000).transform(MFCC(MFCCOptions().n_mfcc(13).mel(
                                   MelSpectrogramOptions().n_mels(40)))));
  EXPECT_EQ(mfccs.get(7).data.sizes(), (Shape{1, 13, 21}));
  // Variable lengths without num_samples: collate names the shapes.
  DataLoader bad(std::make_shared<AudioFolder>(dir.str()), DataLoaderOptions().batch_size(4));
  expect_error(
      [&] {
        for (auto& b : bad) (void)b;
      },
      {"collate", "shape"});
}

TEST(AudioFolder, OptionsAndBrokenFiles) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("a"));
  const Tensor stereo = zeros({2, 800});
  write_audio(dir.file("a/0.wav"), stereo, 8000);
  write_audio(dir.file("a/1.ogg"), stereo, 8000, AudioFormat::Ogg, AudioEncoding::Vorbis);
  write_bytes(dir.file("a/2.WAV"), "RIFF....WAVEjunk");
  AudioFolder keep(dir.str(), AudioFolderOptions().mono(false).allow_empty(true));
  EXPECT_EQ(keep.size(), 3);
  EXPECT_EQ(keep.get(0).data.sizes(), (Shape{2, 800}));
  EXPECT_EQ(keep.get(1).data.sizes(), (Shape{2, 800}));
  EXPECT_EQ(AudioFolder(dir.str()).get(0).data.sizes(), (Shape{1, 800}));
  expect_error([&] { keep.get(2); }, {"2.WAV"});
  expect_error([&] { AudioFolder(dir.str(), AudioFolderOptions().random_crop(true)); }, {"random_crop", "num_samples"});
  expect_error([&] { AudioFolder(dir.str(), AudioFolderOptions().sample_rate(-5)); }, {"sample_rate"});
  AudioFolder bad_tf(dir.str(), AudioFolderOptions().transform(Spectrogram(SpectrogramOptions().n_fft(4096))));
  expect_error([&] { bad_tf.get(0); }, {"0.wav", "n_fft"});
  expect_error([&] { AudioFolder(dir.file("missing")); }, {"AudioFolder", "missing"});
}
