"""Shared library of Tero Termibotti and Paavo Palvelubotti.

Data flows one way: catalogue tables -> generated NLU -> trained models -> running bots.
Each module has one job; see the package's modules for the stages.
"""
