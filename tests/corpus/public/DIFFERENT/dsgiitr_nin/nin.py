# DIFFERS from the book's function: global MAX pooling (nn.AdaptiveMaxPool2d((1,1)), despite the
#   comment) instead of global average pooling, and channel dropout (nn.Dropout2d(0.5)) instead
#   of nn.Dropout(0.5). Shapes and parameter counts are the book's. nin_block is the book's.
#   Also a spelling difference: an nn.Module class `Net` with named children n1, m1, ...,
#   dropout1, n4, avg1, flat and a hand-written forward.
# Provenance: dsgiitr/d2l-pytorch, master at commit e84da49a9ea4ba448f4aaf2d18ecd9edafaa2419 (file
#   last changed in c20644455b3d, 2019-06-14),
#   Ch09_Modern_Convolutional_Networks/Network_in_Network(NiN).ipynb.
#   https://github.com/dsgiitr/d2l-pytorch/blob/master/Ch09_Modern_Convolutional_Networks/Network_in_Network(NiN).ipynb
# Licence: Apache-2.0 (the repository's LICENSE). Copyright the dsgiitr/d2l-pytorch contributors;
#   modified as stated here.
# Changes: kit adapter `nin()` at the bottom. Otherwise verbatim.
import torch
import torch.nn as nn

def nin_block(in_channels,out_channels,kernel_size,strides,padding):
    blk = nn.Sequential(
            nn.Conv2d(in_channels,out_channels,kernel_size,strides,padding),
            nn.ReLU(),
            nn.Conv2d(out_channels,out_channels,kernel_size=1),
            nn.ReLU(),
            nn.Conv2d(out_channels,out_channels,kernel_size=1),
            nn.ReLU())
    return blk


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.n1 = nin_block(1,out_channels=96, kernel_size=11, strides=4, padding=0)
        self.m1 = nn.MaxPool2d(3,stride=2)
        self.n2 = nin_block(96,out_channels=256, kernel_size=5, strides=1, padding=2)
        self.m2 = nn.MaxPool2d(3,stride=2)
        self.n3 = nin_block(256,out_channels=384, kernel_size=3, strides=1, padding=1)
        self.m3 = nn.MaxPool2d(3,stride=2)
        self.dropout1 = nn.Dropout2d(0.5)
        self.n4 = nin_block(384,out_channels=10, kernel_size=3, strides=1, padding=1)
        #Global Average Pooling can be achieved by AdaptiveMaxPool2d with output size = (1,1)
        self.avg1 = nn.AdaptiveMaxPool2d((1,1))
        self.flat = Flatten()
        
    def forward(self, x): 
        x = self.m1(self.n1(x))
        x = self.m2(self.n2(x))
        x = self.dropout1(self.m3(self.n3(x)))
        x = self.n4(x)
        x = self.avg1(x)
        x = self.flat(x) 
        return x

class Flatten(nn.Module):
    def forward(self, input):
        return input.view(input.size(0), -1)


# ---- kit adapter ----
def nin():
    return Net()
