"""The MLflow "models from code" entry of a Veracity model: MLflow copies this file into the model
folder and runs it when the model loads (``mlflow.pyfunc.load_model``, ``mlflow models serve``).

It is never imported by Veracity itself (running it registers the model with MLflow, a side
effect by design); ``veracity.deploy.mlflow_model.save_model`` points MLflow at it. No pickle is
written: the model is this code plus its config and artifacts.
"""

from mlflow.models import set_model

from veracity.deploy.mlflow_model import VeracityModel

set_model(VeracityModel())
