# DIFFERS from the book's function: a different head -- global MAX pooling
#   (nn.AdaptiveMaxPool2d((1,1))) instead of global average pooling before Flatten and
#   Linear(512, 10). Shapes and parameter counts are the book's. Residual (one shared in-place
#   ReLU module, `Y += X`) and resnet_block are the book's.
# Provenance: dsgiitr/d2l-pytorch, master at commit e84da49a9ea4ba448f4aaf2d18ecd9edafaa2419 (file
#   last changed in c20644455b3d, 2019-06-14),
#   Ch09_Modern_Convolutional_Networks/Residual_Networks_(ResNet).ipynb.
#   https://github.com/dsgiitr/d2l-pytorch/blob/master/Ch09_Modern_Convolutional_Networks/Residual_Networks_(ResNet).ipynb
# Licence: Apache-2.0 (the repository's LICENSE). Copyright the dsgiitr/d2l-pytorch contributors;
#   modified as stated here.
# Changes: the module-level b1..b5 and `net` built inside `def resnet18()`. Otherwise verbatim
#   (two-space indentation kept).
import torch
import torch.nn as nn
import torch.nn.functional as F

# This class has been saved in the d2l package for future use
class Residual(nn.Module):
  
  def __init__(self,input_channels, num_channels, use_1x1conv=False, strides=1, **kwargs):
    super(Residual, self).__init__(**kwargs)
    self.conv1 = nn.Conv2d(input_channels, num_channels,kernel_size=3, padding=1, stride=strides)
    self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
    if use_1x1conv:
      self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides)
    else:
      self.conv3 = None
    self.bn1 = nn.BatchNorm2d(num_channels)
    self.bn2 = nn.BatchNorm2d(num_channels)
    self.relu = nn.ReLU(inplace=True)
  
  def forward(self, X):
    
    Y = self.relu(self.bn1(self.conv1(X)))
    Y = self.bn2(self.conv2(Y))
    if self.conv3:
      X = self.conv3(X)
    Y += X
    Y =self.relu(Y)
    return Y


def resnet_block(input_channels, num_channels, num_residuals, first_block=False):
  blk = []
  for i in range(num_residuals):
    if i == 0 and not first_block:
      blk.append(Residual(input_channels, num_channels, use_1x1conv=True, strides=2))
    else:
      blk.append(Residual(num_channels, num_channels))
  return blk


class Flatten(nn.Module):
    def forward(self, input):
        return input.view(input.size(0), -1)


def resnet18():
    b1 = nn.Sequential(nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3),
                        nn.BatchNorm2d(64),
                        nn.ReLU(),
                        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b2=nn.Sequential(*resnet_block(64,64,2,first_block=True))
    b3=nn.Sequential(*resnet_block(64,128,2))
    b4=nn.Sequential(*resnet_block(128,256,2))
    b5=nn.Sequential(*resnet_block(256,512,2))
    net=nn.Sequential(b1,b2,b3,b4,b5,nn.AdaptiveMaxPool2d((1,1)),Flatten(),nn.Linear(512, 10))
    return net
