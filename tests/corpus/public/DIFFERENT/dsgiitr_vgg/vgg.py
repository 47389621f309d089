# DIFFERS from the book's function for every architecture but VGG-11's: the classifier's input
#   size is HARD-CODED as Linear(in_features=512*7*7, ...) instead of out_channels * 7 * 7, so
#   vgg(conv_arch) is the book's network, but vgg() of an architecture whose last block does not
#   have 512 channels fails on its first forward pass (and has the wrong parameter count).
#   vgg_block is the book's.
# Provenance: dsgiitr/d2l-pytorch, master at commit e84da49a9ea4ba448f4aaf2d18ecd9edafaa2419 (file
#   last changed in e998c2df6036, 2019-06-20), Ch09_Modern_Convolutional_Networks/VGG.ipynb.
#   https://github.com/dsgiitr/d2l-pytorch/blob/master/Ch09_Modern_Convolutional_Networks/VGG.ipynb
# Licence: Apache-2.0 (the repository's LICENSE). Copyright the dsgiitr/d2l-pytorch contributors;
#   modified as stated here.
# Changes: the module-level `net = vgg(conv_arch)` dropped. Otherwise verbatim.
import torch
import torch.nn as nn


def vgg_block(num_convs, in_channels, out_channels):
    layers=[]
    for _ in range(num_convs):
        layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
        in_channels = out_channels
    
    layers.append(nn.MaxPool2d(kernel_size=2,stride=2))
    
    blk = nn.Sequential(*layers)
    
    return blk


conv_arch = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


class Flatten(torch.nn.Module):
    def forward(self, x):
        return x.view(x.shape[0], -1)
    
def vgg(conv_arch):
    # The convulational layer part
    conv_layers=[]
    in_channels=1
    
    for (num_convs, out_channels) in conv_arch:
        conv_layers.append(vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels
    
    net=nn.Sequential(
                      *conv_layers,
                      # The fully connected layer part
                      Flatten(),
                      nn.Linear(in_features=512*7*7, out_features=4096),
                      nn.ReLU(),
                      nn.Dropout(0.5),
                      nn.Linear(4096, 4096),
                      nn.ReLU(),
                      nn.Dropout(0.5),
                      nn.Linear(4096, 10)
                     )
    return net
