// Reads a 3-D image with ITK and prints its LPS geometry and data checksums as JSON, so the
// C# tests can compare ITK's view of our written files with the volume we wrote.
//   itk_read_geometry read <image> [linear-index ...]
//   itk_read_geometry copy <image> <output>   (ITK re-writes the image as float, for our readers)
#include "itkImage.h"
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkImageRegionConstIterator.h"
#include "itkNiftiImageIOFactory.h"
#include "itkNrrdImageIOFactory.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using ImageType = itk::Image<float, 3>;

static ImageType::Pointer ReadImage(const char* path)
{
  auto reader = itk::ImageFileReader<ImageType>::New();
  reader->SetFileName(path);
  reader->Update();
  return reader->GetOutput();
}

static void PrintTriple(const char* name, double a, double b, double c)
{
  std::printf("\"%s\":[%.17g,%.17g,%.17g],", name, a, b, c);
}

static int PrintGeometry(const char* path, const std::vector<long long>& probes)
{
  ImageType::Pointer image = ReadImage(path);
  const auto size = image->GetLargestPossibleRegion().GetSize();
  const auto spacing = image->GetSpacing();
  const auto origin = image->GetOrigin();
  const auto direction = image->GetDirection();

  // The buffer is i-fastest like ours, so linear indices mean the same voxel on both sides.
  const float* data = image->GetBufferPointer();
  const long long count = static_cast<long long>(size[0]) * size[1] * size[2];
  double sum = 0, sumOfSquares = 0;
  for (long long n = 0; n < count; ++n)
  {
    sum += data[n];
    sumOfSquares += static_cast<double>(data[n]) * data[n];
  }

  std::printf("{\"size\":[%lu,%lu,%lu],", static_cast<unsigned long>(size[0]),
              static_cast<unsigned long>(size[1]), static_cast<unsigned long>(size[2]));
  PrintTriple("spacing", spacing[0], spacing[1], spacing[2]);
  PrintTriple("origin", origin[0], origin[1], origin[2]);
  std::printf("\"direction\":[");
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      std::printf("%.17g%s", direction[r][c], (r == 2 && c == 2) ? "" : ",");
  std::printf("],\"sum\":%.17g,\"sumOfSquares\":%.17g,\"probes\":[", sum, sumOfSquares);
  for (size_t p = 0; p < probes.size(); ++p)
  {
    const long long index = probes[p];
    const double value = (index >= 0 && index < count) ? data[index] : 0.0;
    std::printf("%.17g%s", value, p + 1 == probes.size() ? "" : ",");
  }
  std::printf("]}\n");
  return 0;
}

static int Copy(const char* input, const char* output)
{
  ImageType::Pointer image = ReadImage(input);
  auto writer = itk::ImageFileWriter<ImageType>::New();
  writer->SetFileName(output);
  writer->SetInput(image);
  writer->SetUseCompression(true);
  writer->Update();
  return 0;
}

int main(int argc, char* argv[])
{
  // Registering explicitly keeps the program working even where the factory auto-registration
  // (driven by ITK_USE_FILE) is not picked up.
  itk::NiftiImageIOFactory::RegisterOneFactory();
  itk::NrrdImageIOFactory::RegisterOneFactory();
  if (argc < 3)
  {
    std::fprintf(stderr, "usage: %s read <image> [index...] | copy <image> <output>\n", argv[0]);
    return 2;
  }
  try
  {
    const std::string mode = argv[1];
    if (mode == "read")
    {
      std::vector<long long> probes;
      for (int a = 3; a < argc; ++a) probes.push_back(std::atoll(argv[a]));
      return PrintGeometry(argv[2], probes);
    }
    if (mode == "copy" && argc == 4) return Copy(argv[2], argv[3]);
    std::fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 2;
  }
  catch (const itk::ExceptionObject& e)
  {
    std::fprintf(stderr, "ITK error: %s\n", e.what());
    return 1;
  }
}
