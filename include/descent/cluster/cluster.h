#pragma once
// descent's clustering library (library descent_cluster, target descent::descent_cluster): KMeans,
// MiniBatchKMeans (also over a data::DataLoader), clustering metrics and PCA.
#include "descent/cluster/kmeans.h"
#include "descent/cluster/metrics.h"
#include "descent/cluster/minibatch_kmeans.h"
#include "descent/cluster/pca.h"
